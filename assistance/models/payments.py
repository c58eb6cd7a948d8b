"""Price subsidies and periodic reviews. Payment rolls and lines are the platform's ledger
(civilaffairs.payments); assistance feeds it through its payable source (assistance.payables)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .benefits import (
    SUBSIDY_MULTIPLIER_MAX, SUBSIDY_PER_PERSON_MAX, Programme,
)


class PriceSubsidyRound(models.Model):
    """物价补贴: a one-off amount per covered person for every active recipient."""

    name = models.CharField(_("名称"), max_length=100)
    month = models.DateField(_("发放月份"))
    amount_per_person = models.DecimalField(_("每人金额（元）"), max_digits=10, decimal_places=2)
    multiplier = models.DecimalField(_("倍数"), max_digits=4, decimal_places=2, default=1)
    programmes = ArrayField(models.CharField(max_length=12, choices=Programme.choices), verbose_name=_("适用项目"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("物价补贴批次")
        verbose_name_plural = _("物价补贴批次")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="subsidy_month_first_day"),
            models.CheckConstraint(condition=Q(amount_per_person__gt=0) & Q(multiplier__gt=0),
                                   name="subsidy_positive"),
            models.CheckConstraint(condition=Q(amount_per_person__lte=SUBSIDY_PER_PERSON_MAX)
                                   & Q(multiplier__lte=SUBSIDY_MULTIPLIER_MAX), name="subsidy_max"),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("继续享受")
    ADJUST = "adjust", _("调整金额")
    PHASEOUT = "phaseout", _("进入渐退期")
    END = "end", _("终止")


class Review(models.Model):
    """Quarterly review (定期复核) of one active benefit."""

    jurisdiction_field = "benefit__household__community__code"

    benefit = models.ForeignKey("assistance.Benefit", verbose_name=_("待遇"), on_delete=models.PROTECT,
                                related_name="reviews")
    period = models.CharField(_("复核周期"), max_length=7, help_text=_("如 2026Q3"))
    due_on = models.DateField(_("复核期限"))
    verification_report = models.ForeignKey("assistance.VerificationReport", verbose_name=_("核对报告"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("复核结果"), max_length=12, choices=ReviewOutcome.choices, blank=True, default="")
    note = models.TextField(_("说明"), blank=True, default="")
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定期复核")
        verbose_name_plural = _("定期复核")
        constraints = [models.UniqueConstraint(fields=["benefit", "period"], name="review_once_per_period")]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.period}"
