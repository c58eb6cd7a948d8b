from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civilaffairs.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from civilaffairs.programmes import register_audit_area

        from . import signals  # noqa: F401  (sign-in failures are logged and audited)

        register_audit_area("accounts", label=_("账号与权限"), order=10)
