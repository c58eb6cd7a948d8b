from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_ENTITLEMENTS = "entitlements.view"


class EntitlementsConfig(AppConfig):
    """The proactive engine (政策找人): programmes register rules (rules.py); the engine finds
    who qualifies without an application, incrementally and in nightly full runs."""

    name = "civilaffairs.entitlements"
    label = "entitlements"
    verbose_name = _("政策找人")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.schedules import crontab

        from civilaffairs.accounts.roles import Role, capability_register
        from civilaffairs.programmes import Audience, register_audit_area, register_beat, register_nav

        from . import worklist_source

        capability_register(VIEW_ENTITLEMENTS, _("查看政策找人结果"),
                            roles=[Role.TOWNSHIP_OFFICER, Role.DISTRICT_APPROVER, Role.CITY_ADMIN])
        register_nav("entitlements", label=_("政策找人"), url_name="entitlements:index", audience=Audience.STAFF,
                     capability=VIEW_ENTITLEMENTS, order=72)
        register_audit_area("entitlements", label=_("政策找人"), order=37)
        register_beat("entitlements-incremental", task="entitlements.incremental_run",
                      schedule=crontab(minute="*/5"))
        register_beat("entitlements-full-nightly", task="entitlements.start_full_run",
                      schedule=crontab(hour=2, minute=30))
        register_beat("entitlements-age-lines-daily", task="entitlements.age_lines_mark",
                      schedule=crontab(hour=0, minute=10))
        worklist_source.register()
