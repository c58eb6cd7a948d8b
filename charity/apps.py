from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharityConfig(AppConfig):
    name = "charity"
    verbose_name = _("慈善事业")

    def ready(self):
        from civilaffairs import programmes

        programmes.register_programme("charity", name=_("慈善事业"), order=40)
        programmes.register_audit_area("charity", label=_("慈善"), order=70)
