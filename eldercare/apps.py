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
