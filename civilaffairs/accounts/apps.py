from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civilaffairs.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from civilaffairs.programmes import Audience, register_audit_area, register_nav

        from .roles import Capability

        from . import signals  # noqa: F401  (sign-in failures are logged and audited)

        register_audit_area("accounts", label=_("账号与权限"), order=10)
        # Caseworkers and the staff of an organisation (who see their own organisation only).
        register_nav("accounts.organisations", label=_("机构"), url_name="organisations:list",
                     audience=Audience.EVERYONE, capability=Capability.VIEW_ORGANISATION, order=70)
