from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "civilaffairs.worklist"
    label = "worklist"
    verbose_name = _("待办事项")
