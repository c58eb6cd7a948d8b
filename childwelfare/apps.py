from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildwelfareConfig(AppConfig):
    name = "childwelfare"
    verbose_name = _("儿童福利")

    def ready(self):
        from civilaffairs import programmes

        programmes.register_programme("childwelfare", name=_("儿童福利"), order=30)
        programmes.register_audit_area("childwelfare", label=_("儿童福利"), order=60)
