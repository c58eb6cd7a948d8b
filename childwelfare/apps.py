from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildwelfareConfig(AppConfig):
    name = "childwelfare"
    verbose_name = _("儿童福利")

    def ready(self):
        from civilaffairs import programmes

        from .capabilities import register_capabilities

        register_capabilities()  # first: the rules' review items and the pages name them

        programmes.register_programme("childwelfare", name=_("儿童福利"), order=30)
        programmes.register_audit_area("childwelfare", label=_("儿童福利"), order=60)

        from .categories import register as register_category_rules

        register_category_rules()  # 孤儿, 事实无人抚养, 留守: rules on the proactive engine
