from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "eldercare"
    verbose_name = _("养老服务")

    def ready(self):
        from civilaffairs import programmes

        programmes.register_programme("eldercare", name=_("养老服务"), order=20)
        programmes.register_audit_area("eldercare", label=_("养老服务"), order=50)
