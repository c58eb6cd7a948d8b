"""Allowances found without an application (issue 12, area C): the high-age allowance (高龄津贴) and the
disability care allowance (护理补贴). The proactive engine finds who qualifies (``eldercare.rules``); its
callbacks create, re-band and stop the rows here (``eldercare.services.allowances``); the payable source
(``eldercare.payables``) pays every month of an active allowance, from ``from_month`` (arrears included)
to ``to_month`` (the month of death or of the move out)."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A monthly allowance above this is a typing error in a parameter (the largest band is a few hundred 元).
ALLOWANCE_AMOUNT_MAX = Decimal("5000.00")


class AllowanceKind(models.TextChoices):
    HIGH_AGE = "high_age", _("高龄津贴")
    CARE = "care", _("护理补贴")


class AllowanceStatus(models.TextChoices):
    ACTIVE = "active", _("发放中")
    STOP_PROPOSED = "stop_proposed", _("拟停发（待区县确认）")
    STOPPED = "stopped", _("已停发")


class Allowance(models.Model):
    """One allowance of one elder. At most one row per (person, kind) is not stopped; a stopped one is
    kept (history, the lines already paid) and a later gain opens a new row."""

    jurisdiction_field = "community_id"

    person = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                               related_name="eldercare_allowances")
    kind = models.CharField(_("待遇"), max_length=12, choices=AllowanceKind.choices)
    community_id = models.CharField(_("村社代码"), max_length=12, blank=True, default="")
    band = models.CharField(_("档次"), max_length=16)
    amount = models.DecimalField(_("月发放金额（元）"), max_digits=8, decimal_places=2)
    from_month = models.DateField(_("起发月份"))
    to_month = models.DateField(_("止发月份"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=AllowanceStatus.choices, default=AllowanceStatus.ACTIVE)
    reasons = models.JSONField(_("理由"), default=list)
    stop_reason = models.CharField(_("停发原因"), max_length=200, blank=True, default="")
    stop_proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出停发人"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    candidate_id = models.BigIntegerField(_("政策找人结果编号"), null=True, blank=True)
    eligible_month = models.DateField(_("符合条件月份"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("养老津贴")
        verbose_name_plural = _("养老津贴")
        ordering = ["community_id", "person_id", "kind", "-from_month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], condition=~Q(status="stopped"),
                                    name="eldercare_one_open_allowance"),
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount__lte=ALLOWANCE_AMOUNT_MAX),
                                   name="eldercare_allowance_amount_bounds"),
            models.CheckConstraint(condition=Q(from_month__day=1) & Q(eligible_month__day=1),
                                   name="eldercare_allowance_months_first_day"),
            models.CheckConstraint(condition=Q(to_month__isnull=True) | (Q(to_month__day=1)
                                                                         & Q(to_month__gte=models.F("from_month"))
                                                                         ) | Q(status="stopped"),
                                   name="eldercare_allowance_to_month"),
            models.CheckConstraint(condition=Q(from_month__gte=models.F("eligible_month")),
                                   name="eldercare_allowance_not_before_eligible"),
            models.CheckConstraint(condition=~Q(status="stopped") | ~Q(stop_reason=""),
                                   name="eldercare_allowance_stop_has_reason"),
        ]
        indexes = [models.Index(fields=["community_id", "kind", "status"], name="eldercare_allowance_scope_idx",
                                opclasses=["varchar_pattern_ops", "varchar_ops", "varchar_ops"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id} {self.band}"
