from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "eldercare"
    verbose_name = _("养老服务")

    def ready(self):
        from civilaffairs import programmes

        from .capabilities import register_capabilities

        register_capabilities()  # first: pages, rules and sources below name them

        from .api.urls import paths as api_paths, router as api_router

        programmes.register_programme("eldercare", name=_("养老服务"), order=20)
        programmes.register_audit_area("eldercare", label=_("养老服务"), order=50)
        programmes.register_urls("eldercare/", "eldercare.urls")
        programmes.register_api("eldercare", router=api_router, urlpatterns=api_paths)
        # Each area registers below (nav, home cards, worklist sources, entitlement rules,
        # payable sources, person-file sections, dashboards, demo steps, beat).

        # --- visits, devices and alarms (area D) ---
        from celery.schedules import crontab

        from . import dashboards_visits, person_file, worklist_sources
        from .capabilities import HANDLE_ALARM, MANAGE_DEVICES, VISIT

        worklist_sources.register_visits()
        person_file.register_visits()
        dashboards_visits.register_visits()
        programmes.register_nav("eldercare.visits_due", label=_("我的巡访"), url_name="eldercare:visits_due",
                                audience=programmes.Audience.STAFF, capability=VISIT, order=210)
        programmes.register_nav("eldercare.alarms", label=_("设备告警"), url_name="eldercare:alarm_list",
                                audience=programmes.Audience.EVERYONE, capability=HANDLE_ALARM, order=211)
        programmes.register_nav("eldercare.devices", label=_("智能设备"), url_name="eldercare:device_list",
                                audience=programmes.Audience.EVERYONE, capability=MANAGE_DEVICES, order=212)
        programmes.register_beat("eldercare-visit-plans-sync-daily", task="eldercare.visit_plans_sync",
                                 schedule=crontab(hour=1, minute=10))
        programmes.register_beat("eldercare-visits-missed-week-daily", task="eldercare.visits_missed_week",
                                 schedule=crontab(hour=1, minute=40))
        programmes.register_beat("eldercare-alarms-escalate", task="eldercare.alarms_escalate",
                                 schedule=crontab(minute="*"))
        programmes.register_api_enum_names("eldercare.visits", {
            "EldercareAlarmOutcomeEnum": "eldercare.models.devices.AlarmOutcome",
            "EldercareEventKindEnum": "eldercare.models.devices.EventKind",
            "EldercareAlarmStatusEnum": "eldercare.models.devices.AlarmStatus",
            "EldercareVisitPlanStatusEnum": "eldercare.models.visits.PlanStatus",
        })
        from .demo import register_visits as register_visits_demo

        register_visits_demo()
