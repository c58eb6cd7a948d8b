from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """The difficulty index (政策找人): its own app so its migrations are its own; a rule set of
    the platform's proactive engine (engine.py), which runs it."""

    name = "assistance.scoring"
    label = "scoring"
    verbose_name = _("困难指数与主动发现")

    def ready(self):
        from civilaffairs import programmes
        from civilaffairs.programmes import Audience

        from . import engine
        from .api.urls import paths as api_paths
        from .worklist_source import register

        register()
        engine.register()  # runs, chunks, the dirty set and the beat are the engine's
        programmes.register_urls("scoring/", "assistance.scoring.urls")
        # Part of the assistance programme's API: /api/v1/assistance/scoring/…
        programmes.register_api("assistance", part="scoring", urlpatterns=api_paths)
        programmes.register_home_card("scoring.leads", title=_("主动发现线索"), url_name="scoring:lead_list",
                                      audience=Audience.STAFF, description=_("困难指数发现的待核实家庭"), order=31)
