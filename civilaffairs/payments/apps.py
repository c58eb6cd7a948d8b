from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "civilaffairs.payments"
    label = "payments"
    verbose_name = _("资金发放")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from civilaffairs.accounts.roles import Capability
        from civilaffairs.programmes import Audience, register_audit_area, register_nav

        from . import person_file

        register_audit_area("payments", label=_("资金发放"), order=35)
        register_nav("payments.rolls", label=_("发放名册"), url_name="payments:roll_list", audience=Audience.STAFF,
                     capability=Capability.VIEW_PAYMENTS, order=75)
        person_file.register()  # every programme's lines on the person file
