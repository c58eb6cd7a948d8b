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

        from django.urls import reverse

        from .sources import Source, source_register

        def links(url_name):
            return lambda items: {i.pk: reverse(url_name, args=[int(i.subject_id)]) for i in items
                                  if str(i.subject_id).isdigit()}

        # Items about a platform record (a household or person to visit, the demo's 巡访) are the
        # worklist's own to close, and link to the household page or the person file (which do
        # their own scoping); a programme may replace these with a source of its own.
        source_register("registry.household", Source(subject_urls=links("registry:household_detail")))
        source_register("registry.person", Source(subject_urls=links("portal:person_file")))
