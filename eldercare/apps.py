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

        # --- elders / assessment area (elders helper) ---
        from celery.schedules import crontab

        from . import demo
        from .capabilities import VIEW
        from .person_file import register_elders as register_elder_sections
        from .worklist_sources import register_elders as register_elder_sources

        programmes.register_nav("eldercare.elders", label=_("老年人"), url_name="eldercare:elder_list",
                                audience=programmes.Audience.STAFF, capability=VIEW, order=40)
        programmes.register_home_card("eldercare.elders", title=_("老年人"), url_name="eldercare:elder_list",
                                      description=_("辖区老年人、能力评估与家属联系人"), capability=VIEW, order=20)
        programmes.register_beat("eldercare-reassessment-due-daily", task="eldercare.reassessment_raise_due",
                                 schedule=crontab(hour=1, minute=10))
        programmes.register_demo_step("eldercare.elders", seed=demo.seed_elders, reset=demo.reset_elders, order=20)
        register_elder_sources()
        register_elder_sections()
        # --- allowances and service credit (area C) ---
        from celery.schedules import crontab

        from civilaffairs.programmes import Audience

        from . import demo as _demo, payables, rules as _rules
        from .person_file import register_allowance_section
        from .worklist_sources import register_allowance_sources

        register_allowance_sources()  # before the rules: their callbacks raise these kinds
        _rules.register()
        payables.register()
        register_allowance_section()
        programmes.register_nav("eldercare.allowances", label=_("养老津贴补贴"), url_name="eldercare:allowance_list",
                                audience=Audience.STAFF, capability="eldercare.view", order=41)
        programmes.register_demo_step("eldercare.allowances", seed=_demo.seed_allowances,
                                      reset=_demo.reset_allowances, order=45)
        programmes.register_beat("eldercare-credit-monthly", task="eldercare.credit_monthly",
                                 schedule=crontab(day_of_month=1, hour=2, minute=30))
        # --- visits, devices and alarms (area D) ---
        from celery.schedules import crontab

        from . import dashboards_visits, person_file, worklist_sources
        from .capabilities import HANDLE_ALARM, MANAGE_DEVICES, VISIT

        worklist_sources.register_visits()
        person_file.register_visits()
        dashboards_visits.register_visits()
        programmes.register_nav("eldercare.visits_due", label=_("我的巡访"), url_name="eldercare:visits_due",
                                audience=programmes.Audience.STAFF, capability=VISIT, order=42)
        programmes.register_nav("eldercare.alarms", label=_("设备告警"), url_name="eldercare:alarm_list",
                                audience=programmes.Audience.EVERYONE, capability=HANDLE_ALARM, order=43)
        programmes.register_nav("eldercare.devices", label=_("智能设备"), url_name="eldercare:device_list",
                                audience=programmes.Audience.EVERYONE, capability=MANAGE_DEVICES, order=44)
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
