"""Verification, home visit, public notice and decision records of an application."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .benefits import MONTHLY_AMOUNT_MAX, ONE_OFF_AMOUNT_MAX


class VerificationReport(models.Model):
    """家庭经济状况核对报告: a frozen snapshot of department data for every member,
    with the parameter values used, sealed with the bureau's Ed25519 key."""

    application = models.ForeignKey("assistance.Application", verbose_name=_("申请"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="verification_reports",
                                    help_text=_("定期复核的报告不属于某个申请"))
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="verification_reports")
    number = models.CharField(_("报告编号"), max_length=24, unique=True)
    as_of = models.DateField(_("核对基准日"))
    content = models.JSONField(_("报告内容"))
    digest = models.CharField(_("内容摘要（SHA-256）"), max_length=64)
    seal = models.CharField(_("电子签章"), max_length=200)
    seal_key_id = models.CharField(_("签章密钥标识"), max_length=16)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核对人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("家庭经济状况核对报告")
        verbose_name_plural = _("家庭经济状况核对报告")
        ordering = ["-created_at"]

    jurisdiction_field = "household__community__code"

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def resident_q(person_id: int):
        from civilaffairs.registry.models import HouseholdMember

        return models.Q(household_id__in=HouseholdMember.household_ids_of(person_id))

    @property
    def summary(self) -> dict:
        return self.content.get("summary", {})


class HomeVisit(models.Model):
    application = models.ForeignKey("assistance.Application", verbose_name=_("申请"), on_delete=models.PROTECT,
                                    related_name="visits")
    visited_at = models.DateTimeField(_("入户时间"))
    visitors = models.CharField(_("调查人员"), max_length=200)
    findings = models.TextField(_("调查情况"))
    living_conditions = models.TextField(_("居住及生活状况"), blank=True, default="")
    recommendation = models.CharField(_("调查意见"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")
        ordering = ["-visited_at"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.visited_at:%Y-%m-%d}"


class PublicNotice(models.Model):
    """公示: the application is posted in the community for ``notice_days`` days."""

    application = models.OneToOneField("assistance.Application", verbose_name=_("申请"), on_delete=models.PROTECT,
                                       related_name="notice")
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    location = models.CharField(_("公示地点"), max_length=200, default="", blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(_("公示结束处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="notice_dates_order")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.starts_on}–{self.ends_on}"


class Objection(models.Model):
    notice = models.ForeignKey(PublicNotice, verbose_name=_("公示"), on_delete=models.CASCADE,
                               related_name="objections")
    received_on = models.DateField(_("收到日期"))
    content = models.TextField(_("异议内容"))
    resolution = models.TextField(_("处理结果"), blank=True, default="")
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.received_on}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("批准")
    REJECTED = "rejected", _("不予批准")
    EMERGENCY = "emergency", _("先行救助")


class DecisionState(models.TextChoices):
    EFFECTIVE = "effective", _("已生效")
    PROPOSED = "proposed", _("待确认")
    DECLINED = "declined", _("未予确认")


class Decision(models.Model):
    """The district's decision, with the arithmetic behind each amount and the parameters used.
    A decision above the four-eyes threshold (or an emergency payment above what its maker may pay
    alone) is first ``proposed`` and takes effect when a second person confirms it."""

    application = models.ForeignKey("assistance.Application", verbose_name=_("申请"), on_delete=models.PROTECT,
                                    related_name="decisions")
    outcome = models.CharField(_("审批结果"), max_length=12, choices=DecisionOutcome.choices)
    lines = models.JSONField(_("各项目核定"), default=list)
    reason = models.TextField(_("理由"), blank=True, default="")
    verification_report = models.ForeignKey(VerificationReport, verbose_name=_("依据的核对报告"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), auto_now_add=True)
    state = models.CharField(_("生效状态"), max_length=10, choices=DecisionState.choices,
                             default=DecisionState.EFFECTIVE)
    monthly_total = models.DecimalField(_("核定月救助金额合计（元）"), max_digits=12, decimal_places=2, default=0)
    one_off_total = models.DecimalField(_("核定一次性救助金额合计（元）"), max_digits=12, decimal_places=2, default=0)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认（复核）人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批决定")
        verbose_name_plural = _("审批决定")
        ordering = ["-decided_at"]
        constraints = [
            # Four eyes, also against a raw write: the confirming person is never the deciding one.
            models.CheckConstraint(condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("decided_by")),
                                   name="decision_confirmed_by_another"),
            # At most one benefit per monthly programme (低保, 低边, 特困) and one temporary-aid payment.
            models.CheckConstraint(condition=Q(monthly_total__gte=0, monthly_total__lte=MONTHLY_AMOUNT_MAX * 3)
                                   & Q(one_off_total__gte=0, one_off_total__lte=ONE_OFF_AMOUNT_MAX),
                                   name="decision_amount_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_outcome_display()}"
