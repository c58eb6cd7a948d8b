from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "civilaffairs.worklist"
    label = "worklist"
    verbose_name = _("待办事项")

    def ready(self):
        from civilaffairs.programmes import Audience, register_audit_area, register_nav

        register_nav("worklist", label=_("待办事项"), url_name="worklist:list", audience=Audience.STAFF, order=10)
        register_audit_area("worklist", label=_("待办事项"), order=30)

        from .sources import Source, source_register

        # Items about a platform record (a household or person to visit, the demo's 巡访) are the
        # worklist's own to close; a programme may replace these with a source of its own.
        for subject_type in ("registry.household", "registry.person"):
            source_register(subject_type, Source())
