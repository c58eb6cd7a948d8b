"""What elderly care knows about an elder beyond the registry: a profile (what cannot be derived
from household data or department facts: the community doctor, 失独, notes) and family contacts.
Age, living arrangement (alone / couple only / with family) and economic status are derived, never
stored (``eldercare.selectors``)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SpecialGroup(models.TextChoices):
    """The special groups an elder's page and lists name (derived except ``LOST_ONLY_CHILD``)."""

    DISABLED = "disabled", _("失能")
    LOST_ONLY_CHILD = "lost_only_child", _("失独")
    ALONE = "alone", _("独居")
    EMPTY_NEST = "empty_nest", _("空巢")
    HIGH_AGE = "high_age", _("高龄")
    ASSISTED = "assisted", _("低保/特困")


class ElderProfile(models.Model):
    """One per elder who has one (created on first edit; an elder without a profile is still an
    elder: anyone 60+ in the registry)."""

    person = models.OneToOneField("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                                  primary_key=True, related_name="elder_profile")
    lost_only_child = models.BooleanField(_("失独老人"), default=False,
                                          help_text=_("独生子女死亡或伤残且未再生育、收养子女"))
    community_doctor = models.CharField(_("签约家庭医生"), max_length=50, blank=True, default="")
    doctor_phone_encrypted = models.BinaryField(_("家庭医生电话（密文）"), null=True, blank=True, editable=False)
    doctor_phone_masked = models.CharField(_("家庭医生电话"), max_length=20, blank=True, default="", editable=False)
    note = models.TextField(_("备注"), blank=True, default="", max_length=2000)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey("accounts.User", verbose_name=_("更新人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("老年人档案")
        verbose_name_plural = _("老年人档案")

    def __str__(self) -> str:
        return str(self.person)


class FamilyContact(models.Model):
    """A family member (or other contact) to call for an elder: alarms send them an SMS. The phone
    is encrypted and shown masked; the first by ``priority`` is called first."""

    elder = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.CASCADE,
                              related_name="elder_contacts")
    name = models.CharField(_("联系人姓名"), max_length=50)
    relation = models.CharField(_("与老人关系"), max_length=20)
    phone_encrypted = models.BinaryField(_("联系电话（密文）"), editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, editable=False)
    priority = models.PositiveSmallIntegerField(_("联系顺序"), default=1)
    notify_alarms = models.BooleanField(_("接收告警短信"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("家属联系人")
        verbose_name_plural = _("家属联系人")
        ordering = ["elder", "priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1) & Q(priority__lte=9),
                                   name="eldercare_contact_priority_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"

    def reveal_phone(self) -> str:
        from civilaffairs.lib.crypto import decrypt_text

        return decrypt_text(self.phone_encrypted)
