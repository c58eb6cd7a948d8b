from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "civilaffairs.payments"
    label = "payments"
    verbose_name = _("资金发放")
    default_auto_field = "django.db.models.BigAutoField"
