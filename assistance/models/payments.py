"""Monthly payment rolls (发放名册), price subsidies and periodic reviews."""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .benefits import (
    PAYMENT_AMOUNT_MAX, SUBSIDY_MULTIPLIER_MAX, SUBSIDY_PER_PERSON_MAX, Programme,
)


class RollStatus(models.TextChoices):
    GENERATED = "generated", _("已生成，待审核")
    APPROVED = "approved", _("已审核")
    EXPORTED = "exported", _("已导出银行")
    CLOSED = "closed", _("已办结")


class PaymentRoll(models.Model):
    jurisdiction_field = "district__code"

    district = models.ForeignKey("registry.Region", verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="+")
    month = models.DateField(_("发放月份"), help_text=_("当月1日"))
    status = models.CharField(_("状态"), max_length=12, choices=RollStatus.choices, default=RollStatus.GENERATED)
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    # Four eyes: who made the roll (None: the monthly job) and who last added lines to it may not approve it;
    # who sent the bank file may not record the bank's "paid" (assistance.workflow.ROLL_TRANSITIONS).
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("最后修改人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("发放名册")
        verbose_name_plural = _("发放名册")
        ordering = ["-month", "district_id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "month"], name="roll_once_per_district_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="roll_month_first_day"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True)
                                   | (~Q(approved_by=F("generated_by")) | Q(generated_by__isnull=True))
                                   & (~Q(approved_by=F("changed_by")) | Q(changed_by__isnull=True)),
                                   name="roll_approved_by_another"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.month:%Y-%m}"


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


class PaymentKind(models.TextChoices):
    REGULAR = "regular", _("月度救助金")
    PRICE_SUBSIDY = "price_subsidy", _("物价补贴")
    ONE_OFF = "one_off", _("一次性救助")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("待发放")
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")


class Payment(models.Model):
    jurisdiction_field = "household__community__code"

    roll = models.ForeignKey(PaymentRoll, verbose_name=_("名册"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="payments")
    benefit = models.ForeignKey("assistance.Benefit", verbose_name=_("待遇"), on_delete=models.PROTECT,
                                related_name="payments")
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="payments")
    kind = models.CharField(_("类别"), max_length=16, choices=PaymentKind.choices, default=PaymentKind.REGULAR)
    subsidy_round = models.ForeignKey(PriceSubsidyRound, verbose_name=_("物价补贴批次"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="payments")
    month = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发放次数"), default=0)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True, default="")
    paid_at = models.DateTimeField(_("到账时间"), null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["roll_id", "id"]
        constraints = [
            # Running the roll twice (or concurrently) can create nothing new.
            models.UniqueConstraint(fields=["benefit", "month"], condition=Q(kind="regular"),
                                    name="payment_regular_once_per_month"),
            models.UniqueConstraint(fields=["benefit", "subsidy_round"], condition=Q(kind="price_subsidy"),
                                    name="payment_subsidy_once_per_round"),
            models.UniqueConstraint(fields=["benefit"], condition=Q(kind="one_off"), name="payment_one_off_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_nonnegative"),
            models.CheckConstraint(condition=Q(amount__lte=PAYMENT_AMOUNT_MAX), name="payment_amount_max"),
        ]
        indexes = [models.Index(fields=["household", "month"], name="payment_household_month_idx")]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.month:%Y-%m} {self.amount}"

    @staticmethod
    def resident_q(person_id: int) -> Q:
        from civilaffairs.registry.models import HouseholdMember

        return Q(household_id__in=HouseholdMember.household_ids_of(person_id))


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
