from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "civilaffairs.portal"
    label = "portal"
    verbose_name = _("门户")

    def ready(self):
        from civilaffairs.programmes import Audience, register_nav

        # The top bar: the platform's entries; programmes add theirs in between (by ``order``).
        register_nav("portal.home", label=_("首页"), url_name="portal:home", audience=Audience.EVERYONE, order=0)
        register_nav("portal.resident_home", label=_("我的家庭"), url_name="portal:resident_home",
                     audience=Audience.RESIDENT, order=40)
        register_nav("portal.data_provider_home", label=_("部门数据报送"), url_name="portal:data_provider_home",
                     audience=Audience.DATA_PROVIDER, order=60)
        register_nav("portal.dashboards", label=_("数据看板"), url_name="portal:dashboards", audience=Audience.STAFF,
                     order=80)
        register_nav("portal.policy_guide", label=_("政策指南"), url_name="portal:policy_guide",
                     audience=Audience.EVERYONE, order=90)
        register_nav("portal.admin", label=_("管理后台"), url_name="admin:index", audience=Audience.ADMIN, order=100)
