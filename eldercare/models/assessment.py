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
