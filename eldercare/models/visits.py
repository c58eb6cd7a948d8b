"""Visits (巡访) to elders living alone or in empty-nest homes (Pinghu practice: weekly visit rate
100 %). A plan per elder in scope, kept in step with the derived living arrangement by a daily job
(``services.visits.visit_plans_sync``); a visit record per contact (in person, phone, video) with
its findings. A missed week and a risk found are worklist items (``eldercare.worklist_sources``)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    """How often an elder is visited: ``visit_interval_days_<level>`` (parameter)."""

    NORMAL = "normal", _("一般")
    HIGH = "high", _("重点关注")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("巡访中")
    ENDED = "ended", _("已结束")


class PlanEndReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("已不属于独居/空巢老人")
    DIED = "died", _("老人已故")
    MOVED = "moved", _("已迁出本社区")
    MANUAL = "manual", _("人工结束")


class VisitPlan(models.Model):
    """One elder's visit plan. At most one active plan per elder; an ended plan is kept (its visits
    and the weekly rate of past weeks refer to it)."""

    jurisdiction_field = "community_id"

    person = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                               related_name="visit_plans")
    community_id = models.CharField(_("村社代码"), max_length=12)
    arrangement = models.CharField(_("居住状况"), max_length=12)
    risk_level = models.CharField(_("关注等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.NORMAL)
    interval_days = models.PositiveSmallIntegerField(_("巡访间隔（天）"), default=7)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("巡访人（网格员）"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="visit_plans")
    volunteer_name = models.CharField(_("志愿者"), max_length=50, blank=True, default="")
    status = models.CharField(_("状态"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=16, choices=PlanEndReason.choices, blank=True,
                                  default="")
    last_visit_at = models.DateTimeField(_("最近巡访"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("巡访计划")
        verbose_name_plural = _("巡访计划")
        ordering = ["community_id", "person_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"),
                                    name="eldercare_one_active_visit_plan"),
            models.CheckConstraint(condition=Q(status="active", ends_on__isnull=True)
                                   | Q(status="ended", ends_on__isnull=False, ends_on__gte=models.F("starts_on")),
                                   name="eldercare_visit_plan_end"),
            models.CheckConstraint(condition=Q(interval_days__gte=1) & Q(interval_days__lte=31),
                                   name="eldercare_visit_plan_interval"),
        ]
        indexes = [models.Index(fields=["community_id", "status"], name="eldercare_plan_scope_idx",
                                opclasses=["varchar_pattern_ops", "varchar_ops"])]

    def __str__(self) -> str:
        return f"{self.person} {self.starts_on}"

    @property
    def visitor_label(self) -> str:
        if self.visitor_id:
            return str(self.visitor)
        return self.volunteer_name or ""

    def next_due_on(self) -> dt.date:
        """The day the next visit is due: ``interval_days`` after the last one (or the plan's start)."""
        from django.utils import timezone

        if self.last_visit_at is None:
            return self.starts_on
        return timezone.localdate(self.last_visit_at) + dt.timedelta(days=self.interval_days)


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", _("上门探访")
    PHONE = "phone", _("电话问候")
    VIDEO = "video", _("视频通话")


class Health(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差，需关注")


class Safety(models.TextChoices):
    SAFE = "safe", _("无安全隐患")
    HAZARD = "hazard", _("有安全隐患")


class Need(models.TextChoices):
    MEALS = "meals", _("助餐")
    CLEANING = "cleaning", _("家政保洁")
    MEDICAL = "medical", _("就医陪诊")
    COMPANY = "company", _("精神慰藉")
    REPAIR = "repair", _("居家维修/适老化改造")


class Risk(models.TextChoices):
    """A risk found on a visit; each raises a referral to whom ``RISK_REFERRAL`` says."""

    ILLNESS = "illness", _("身体不适或病情变化")
    FALL = "fall", _("跌倒风险")
    UNSAFE_HOME = "unsafe_home", _("居住安全隐患（水电燃气等）")
    NO_CARE = "no_care", _("生活无人照料")
    HARDSHIP = "hardship", _("生活困难")
    MENTAL = "mental", _("情绪低落、孤独")


class ReferralTo(models.TextChoices):
    SERVICE = "service", _("转介养老服务")
    DOCTOR = "doctor", _("转介家庭医生")
    ASSISTANCE = "assistance", _("转介社会救助")


RISK_REFERRAL = {
    Risk.ILLNESS: ReferralTo.DOCTOR, Risk.FALL: ReferralTo.DOCTOR, Risk.MENTAL: ReferralTo.DOCTOR,
    Risk.UNSAFE_HOME: ReferralTo.SERVICE, Risk.NO_CARE: ReferralTo.SERVICE,
    Risk.HARDSHIP: ReferralTo.ASSISTANCE,
}


class Visit(models.Model):
    """One visit (or call) to an elder under a plan, with what the visitor found."""

    jurisdiction_field = "community_id"

    plan = models.ForeignKey(VisitPlan, verbose_name=_("巡访计划"), on_delete=models.PROTECT, related_name="visits")
    person = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                               related_name="elder_visits")
    community_id = models.CharField(_("村社代码"), max_length=12)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("巡访人"), on_delete=models.PROTECT,
                                related_name="+")
    mode = models.CharField(_("巡访方式"), max_length=10, choices=VisitMode.choices)
    visited_at = models.DateTimeField(_("巡访时间"))
    health = models.CharField(_("身体状况"), max_length=8, choices=Health.choices)
    safety = models.CharField(_("居住安全"), max_length=8, choices=Safety.choices)
    needs = ArrayField(models.CharField(max_length=12, choices=Need.choices), verbose_name=_("服务需求"),
                       default=list, blank=True)
    risks = ArrayField(models.CharField(max_length=12, choices=Risk.choices), verbose_name=_("发现的风险"),
                       default=list, blank=True)
    note = models.TextField(_("情况说明"), blank=True, default="", max_length=2000)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("巡访记录")
        verbose_name_plural = _("巡访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["plan", "visited_at"], name="eldercare_visit_plan_idx"),
                   models.Index(fields=["community_id", "visited_at"], name="eldercare_visit_scope_idx",
                                opclasses=["varchar_pattern_ops", "timestamptz_ops"])]

    def __str__(self) -> str:
        return f"{self.person} {self.visited_at:%Y-%m-%d}"

    @property
    def needs_labels(self) -> list[str]:
        labels = dict(Need.choices)
        return [str(labels.get(n, n)) for n in self.needs]

    @property
    def risks_labels(self) -> list[str]:
        labels = dict(Risk.choices)
        return [str(labels.get(r, r)) for r in self.risks]
