from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "civilaffairs.registry"
    label = "registry"
    verbose_name = _("基础信息")

    def ready(self):
        from civilaffairs.programmes import Audience, register_audit_area, register_nav

        register_nav("registry.households", label=_("家庭档案"), url_name="registry:household_list",
                     audience=Audience.STAFF, order=20)
        register_audit_area("registry", label=_("基础信息"), order=20)
