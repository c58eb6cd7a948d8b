"""The core of an ability assessment (GB/T 42195-2022) that other areas read: who, which grade,
valid when, in what state. The instrument (dimensions, items, options, grade bands, adjustment
rules) and the signatures are added by the assessment area on top of this table."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AbilityGrade(models.IntegerChoices):
    """老年人能力等级, GB/T 42195-2022 (0 intact … 4 fully lost). ``DISABLED_GRADES`` are 失能."""

    INTACT = 0, _("能力完好")
    MILD = 1, _("轻度失能")
    MODERATE = 2, _("中度失能")
    SEVERE = 3, _("重度失能")
    TOTAL = 4, _("完全失能")


DISABLED_GRADES = (AbilityGrade.MILD, AbilityGrade.MODERATE, AbilityGrade.SEVERE, AbilityGrade.TOTAL)


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("填写中")
    SIGNED = "signed", _("已签署生效")
    SUPERSEDED = "superseded", _("已被新评估取代")
    VOID = "void", _("已作废")


class Assessment(models.Model):
    """One ability assessment of one elder. Exactly one SIGNED assessment per elder is in force
    (the newest; signing a new one supersedes the old one in the same transaction). Other areas
    read the grade in force on a day through ``eldercare.selectors.grade_on`` / ``grade_sql``."""

    jurisdiction_field = "community_id"

    person = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                               related_name="ability_assessments")
    community_id = models.CharField(_("村社代码"), max_length=12)
    status = models.CharField(_("状态"), max_length=12, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    grade = models.PositiveSmallIntegerField(_("能力等级"), choices=AbilityGrade.choices, null=True, blank=True)
    assessed_on = models.DateField(_("评估日期"))
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("能力评估")
        verbose_name_plural = _("能力评估")
        ordering = ["person", "-assessed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="signed"),
                                    name="eldercare_one_signed_assessment"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "void"])
                | Q(grade__isnull=False, valid_from__isnull=False, valid_to__isnull=False,
                    valid_to__gte=models.F("valid_from")),
                name="eldercare_signed_assessment_complete"),
        ]
        indexes = [models.Index(fields=["community_id", "status"], name="eldercare_assess_scope_idx",
                                opclasses=["varchar_pattern_ops", "varchar_ops"])]

    def __str__(self) -> str:
        return f"{self.person} {self.assessed_on}"


# --- the assessment area (elders helper): instrument, answers, assessors, signatures ----------------

RISK_EVENTS_MAX = 30  # care-risk events counted in the 30 days before the assessment (one a day at most)


class AssessmentDetail(models.Model):
    """What the assessment area adds to an assessment: the instrument version it used, the facts
    the adjustment rules read, the computed result with its explanation, who created / voided it.
    One row per assessment (created with the draft)."""

    assessment = models.OneToOneField(Assessment, verbose_name=_("能力评估"), on_delete=models.CASCADE,
                                      primary_key=True, related_name="detail")
    instrument = models.ForeignKey("eldercare.Instrument", verbose_name=_("所用量表版本"), on_delete=models.PROTECT,
                                   related_name="assessments")
    diagnosed_dementia = models.BooleanField(_("确诊认知障碍/痴呆"), default=False)
    diagnosed_psychiatric = models.BooleanField(_("确诊精神疾病"), default=False)
    risk_events_30d = models.PositiveSmallIntegerField(
        _("近30天照护风险事件次数"), default=0, help_text=_("跌倒、噎食、自杀、自伤、走失等"))
    total_score = models.PositiveSmallIntegerField(_("总分"), null=True, blank=True)
    dimension_scores = models.JSONField(_("各维度得分"), default=dict, blank=True)
    raw_grade = models.PositiveSmallIntegerField(_("初步等级"), choices=AbilityGrade.choices, null=True, blank=True)
    adjustments = models.JSONField(_("等级调整"), default=list, blank=True)
    explanation = models.TextField(_("评定说明"), blank=True, default="")
    created_by = models.ForeignKey("accounts.User", verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True, default="")
    voided_by = models.ForeignKey("accounts.User", verbose_name=_("作废人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("能力评估明细")
        verbose_name_plural = _("能力评估明细")
        constraints = [
            models.CheckConstraint(condition=Q(risk_events_30d__lte=RISK_EVENTS_MAX),
                                   name="eldercare_risk_events_range"),
        ]

    def __str__(self) -> str:
        return str(self.assessment)


class AssessmentAnswer(models.Model):
    """The option chosen for one item of one assessment (one per item; re-answering replaces it)."""

    assessment = models.ForeignKey(Assessment, verbose_name=_("能力评估"), on_delete=models.CASCADE,
                                   related_name="answers")
    item = models.ForeignKey("eldercare.InstrumentItem", verbose_name=_("项目"), on_delete=models.PROTECT,
                             related_name="+")
    option = models.ForeignKey("eldercare.InstrumentOption", verbose_name=_("选项"), on_delete=models.PROTECT,
                               related_name="+")
    answered_at = models.DateTimeField(_("填写时间"), auto_now=True)

    class Meta:
        verbose_name = _("评估作答")
        verbose_name_plural = _("评估作答")
        ordering = ["assessment", "item"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="eldercare_one_answer_per_item")]


class AssessorQualification(models.Model):
    """An assessor's certificate (评估员资格): an assessor signs only on a day it covers."""

    user = models.ForeignKey("accounts.User", verbose_name=_("评估员"), on_delete=models.CASCADE,
                             related_name="assessor_qualifications")
    certificate_number = models.CharField(_("证书编号"), max_length=50)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评估员资格")
        verbose_name_plural = _("评估员资格")
        ordering = ["user", "-valid_to"]
        constraints = [
            models.UniqueConstraint(fields=["certificate_number"], name="eldercare_certificate_unique"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")),
                                   name="eldercare_certificate_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.certificate_number}"


class AssessmentSignature(models.Model):
    """One assessor's signature; the second (by another qualified assessor) makes the assessment SIGNED."""

    assessment = models.ForeignKey(Assessment, verbose_name=_("能力评估"), on_delete=models.CASCADE,
                                   related_name="signatures")
    assessor = models.ForeignKey("accounts.User", verbose_name=_("评估员"), on_delete=models.PROTECT,
                                 related_name="+")
    qualification = models.ForeignKey(AssessorQualification, verbose_name=_("资格证书"), on_delete=models.PROTECT,
                                      related_name="+")
    signed_at = models.DateTimeField(_("签署时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评估员签名")
        verbose_name_plural = _("评估员签名")
        ordering = ["assessment", "signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "assessor"],
                                               name="eldercare_one_signature_per_assessor")]
