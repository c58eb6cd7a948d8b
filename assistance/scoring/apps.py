from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """The difficulty-index engine (政策找人): its own app so its migrations are its own."""

    name = "assistance.scoring"
    label = "scoring"
    verbose_name = _("困难指数与主动发现")

    def ready(self):
        from .worklist_source import register

        register()
