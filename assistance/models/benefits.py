"""Programmes and the benefits households receive. The scoring engine
(assistance.scoring) reads ``Benefit`` to tell recipients from households not yet covered."""
from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    DIBAO = "dibao", _("最低生活保障（低保）")
    DIBIAN = "dibian", _("低保边缘家庭（低边）")
    TEKUN = "tekun", _("特困人员供养")
    TEMPORARY = "temporary", _("临时救助")


# Programmes that make a household a "recipient" (应保尽保 coverage).
COVERAGE_PROGRAMMES = (Programme.DIBAO, Programme.DIBIAN, Programme.TEKUN)


class BenefitStatus(models.TextChoices):
    ACTIVE = "active", _("享受中")
    PHASEOUT = "phaseout", _("渐退期")
    SUSPENDED = "suspended", _("暂停")
    ENDED = "ended", _("已终止")


# Hard caps the database enforces on money whatever the policy parameters say (the parameters,
# e.g. ``temporary_aid_ceiling``, are the working limits and lie far below): a typo or a raw admin or
# API write can never put an absurd amount on a roll. The services clamp every parameter to these.
MONTHLY_AMOUNT_MAX = Decimal("100000")  # 元/月 per benefit
ONE_OFF_AMOUNT_MAX = Decimal("1000000")  # 元 per one-off payment or requested temporary aid
PAYMENT_AMOUNT_MAX = ONE_OFF_AMOUNT_MAX  # 元 per payment line
DECLARED_INCOME_MAX = Decimal("10000000")  # 元/人·月 declared
SUBSIDY_PER_PERSON_MAX = Decimal("100000")  # 元 per person and round
SUBSIDY_MULTIPLIER_MAX = Decimal("10")

# Statuses in which a benefit is paid and the household counts as covered.
PAID_STATUSES = (BenefitStatus.ACTIVE, BenefitStatus.PHASEOUT)


class Benefit(models.Model):
    """A household's entitlement under one programme, from a decision until exit."""

    jurisdiction_field = "household__community__code"

    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="benefits")
    programme = models.CharField(_("救助类别"), max_length=12, choices=Programme.choices)
    status = models.CharField(_("状态"), max_length=12, choices=BenefitStatus.choices, default=BenefitStatus.ACTIVE)
    monthly_amount = models.DecimalField(_("月救助金额（元）"), max_digits=12, decimal_places=2, default=0)
    members_covered = models.PositiveSmallIntegerField(_("保障人数"), default=1)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    phaseout_until = models.DateField(_("渐退期至"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True, default="")
    application = models.ForeignKey("assistance.Application", verbose_name=_("申请"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="benefits")
    decision = models.ForeignKey("assistance.Decision", verbose_name=_("审批决定"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="benefits")
    calculation = models.JSONField(_("核算过程"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("救助待遇")
        verbose_name_plural = _("救助待遇")
        constraints = [
            # One live benefit per household and programme; a household can re-enter after exit.
            models.UniqueConstraint(fields=["household", "programme"],
                                    condition=Q(status__in=["active", "phaseout", "suspended"]),
                                    name="benefit_one_live_per_programme"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="benefit_amount_nonnegative"),
            models.CheckConstraint(condition=Q(monthly_amount__lte=MONTHLY_AMOUNT_MAX), name="benefit_amount_max"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="benefit_dates_order"),
        ]
        indexes = [models.Index(fields=["household", "status"], name="benefit_household_status_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_programme_display()} {self.get_status_display()}"

    @staticmethod
    def resident_q(person_id: int) -> Q:
        from civilaffairs.registry.models import HouseholdMember

        return Q(household_id__in=HouseholdMember.household_ids_of(person_id))


class BenefitAdjustment(models.Model):
    """A benefit recomputed for a new policy value (the yearly raise): once per benefit and parameter row,
    with the old and new monthly amount and the arrears owed for months already in the ledger at the old
    amount (paid as its own ledger line). A decrease is applied from its month on and never clawed back:
    ``arrears_amount`` is then negative (the overpaid sum, for review) and no line is paid."""

    benefit = models.ForeignKey(Benefit, verbose_name=_("救助待遇"), on_delete=models.PROTECT,
                                related_name="adjustments")
    parameter = models.ForeignKey("registry.PolicyParameter", verbose_name=_("政策参数"), on_delete=models.PROTECT,
                                  related_name="+")
    effective_month = models.DateField(_("调整起始月份"))
    old_value = models.DecimalField(_("原标准"), max_digits=12, decimal_places=4)
    new_value = models.DecimalField(_("新标准"), max_digits=12, decimal_places=4)
    old_amount = models.DecimalField(_("原月救助金额（元）"), max_digits=12, decimal_places=2)
    new_amount = models.DecimalField(_("新月救助金额（元）"), max_digits=12, decimal_places=2)
    arrears_months = models.PositiveSmallIntegerField(_("补发月数"), default=0)
    arrears_amount = models.DecimalField(_("补发金额（元）"), max_digits=12, decimal_places=2, default=0)
    reason = models.CharField(_("调整原因"), max_length=200)
    created_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待遇调整记录")
        verbose_name_plural = _("待遇调整记录")
        ordering = ["benefit_id", "effective_month", "id"]
        constraints = [
            # Running the recomputation twice (or concurrently) adjusts nothing twice.
            models.UniqueConstraint(fields=["benefit", "parameter"], name="benefitadjustment_once_per_parameter"),
            models.CheckConstraint(condition=Q(effective_month__day=1), name="benefitadjustment_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.effective_month:%Y-%m} {self.old_amount}→{self.new_amount}"

    @property
    def overpaid(self) -> Decimal:
        """What a decrease leaves paid in excess (not clawed back automatically; for review)."""
        return -self.arrears_amount if self.arrears_amount < 0 else Decimal("0.00")
