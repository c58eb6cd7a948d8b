from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("社会救助")

    def ready(self):
        from civilaffairs.portal.registry import register_resident_section

        from .views.resident import resident_home_section
        from .worklist_sources import register as register_worklist_sources

        register_worklist_sources()
        register_resident_section("assistance.applications", resident_home_section, order=10)
