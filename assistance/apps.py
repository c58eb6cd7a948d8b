from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("社会救助")

    def ready(self):
        from celery.schedules import crontab

        from civilaffairs import programmes
        from civilaffairs.portal.registry import register_resident_section
        from civilaffairs.programmes import Audience

        from .capabilities import register_capabilities

        register_capabilities()  # first: the transitions and pages below name them

        from . import demo
        from .api.urls import paths as api_paths, router as api_router
        from .views.resident import resident_home_section
        from .worklist_sources import register as register_worklist_sources

        programmes.register_programme("assistance", name=_("社会救助"), order=10)
        programmes.register_urls("assistance/", "assistance.urls")
        programmes.register_api("assistance", router=api_router, urlpatterns=api_paths)
        # Several models have a ``status`` with different choices: name each set once in the schema.
        programmes.register_api_enum_names("assistance", {
            "ApplicationStatusEnum": "assistance.models.ApplicationStatus",
            "ApplicationChannelEnum": "assistance.models.Channel",
            "BenefitStatusEnum": "assistance.models.BenefitStatus",
            "MaterialKindEnum": "assistance.models.MaterialKind",
            "ProgrammeEnum": "assistance.models.Programme",
            "DecisionOutcomeEnum": "assistance.models.DecisionOutcome",
            "ReviewOutcomeEnum": "assistance.models.ReviewOutcome",
        })
        programmes.register_nav("assistance.caseworker", label=_("社会救助"), url_name="assistance:application_list",
                                audience=Audience.STAFF, order=30)
        programmes.register_nav("assistance.resident", label=_("社会救助"), url_name="assistance:my_applications",
                                audience=Audience.RESIDENT, order=50)
        programmes.register_home_card("assistance.applications", title=_("救助申请"),
                                      url_name="assistance:application_list", audience=Audience.STAFF,
                                      description=_("受理、调查、审核审批社会救助申请"), order=30)
        programmes.register_audit_area("assistance", label=_("社会救助"), order=40)
        programmes.register_demo_step("assistance", reset=demo.reset, order=10)
        programmes.register_beat("assistance-review-round-quarterly", task="assistance.review_round_start",
                                 schedule=crontab(month_of_year="1,4,7,10", day_of_month=1, hour=3, minute=0))
        programmes.register_beat("assistance-phaseouts-expire-daily", task="assistance.phaseouts_expire",
                                 schedule=crontab(hour=0, minute=30))
        register_worklist_sources()  # every kind of item assistance raises has a source
        register_resident_section("assistance.applications", resident_home_section, order=10)

        from . import guide

        guide.register()  # the policy guide's entries and self-check rules

        from civilaffairs.notifications.display import register_text_translator

        from .templatetags.assistance_display import in_language

        register_text_translator("assistance", in_language)

        from .dashboards import register as register_dashboards

        register_dashboards()

        from .person_file import register as register_person_file_sections

        register_person_file_sections()

        from .payables import register as register_payable_source

        register_payable_source()

        from civilaffairs.registry.parameters import register_parameter_listener

        from .services.adjustments import RAISE_KEYS
        from .tasks import on_parameter_set

        register_parameter_listener(RAISE_KEYS, on_parameter_set)  # the yearly raise recomputes benefits
