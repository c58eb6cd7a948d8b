"""The ability-assessment instrument (老年人能力评估规范 GB/T 42195-2022) as versioned data.

An ``Instrument`` version holds its dimensions (一级指标), their items (二级指标), each item's
options (wording and score), the grade bands on the total score and the adjustment rules. A
version is DRAFT (editable, in the admin, by city administrators), PUBLISHED (frozen: the one
new assessments use; publishing a draft retires the one before, through
``eldercare.services.assessment.instrument_publish``) or RETIRED (frozen, still read by the
assessments that used it). Every assessment records the version it used.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .assessment import AbilityGrade


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class Instrument(models.Model):
    code = models.CharField(_("量表代码"), max_length=30, default="gbt42195")
    version = models.PositiveSmallIntegerField(_("版本号"))
    name = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=12, choices=InstrumentStatus.choices,
                              default=InstrumentStatus.DRAFT)
    validity_months = models.PositiveSmallIntegerField(_("评估结果有效期（月）"), default=12)
    note = models.TextField(_("说明"), blank=True, default="", max_length=2000)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("能力评估量表")
        verbose_name_plural = _("能力评估量表")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="eldercare_instrument_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(status="published"),
                                    name="eldercare_one_published_instrument"),
            models.CheckConstraint(condition=Q(validity_months__gte=1) & Q(validity_months__lte=60),
                                   name="eldercare_instrument_validity_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}（{self.get_status_display()}）"

    @property
    def frozen(self) -> bool:
        return self.status != InstrumentStatus.DRAFT

    @property
    def max_total(self) -> int:
        return sum(d.max_score for d in self.dimensions.all())


class InstrumentDimension(models.Model):
    instrument = models.ForeignKey(Instrument, verbose_name=_("量表"), on_delete=models.CASCADE,
                                   related_name="dimensions")
    code = models.CharField(_("代码"), max_length=30)
    name = models.CharField(_("一级指标"), max_length=50)
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("评估维度")
        verbose_name_plural = _("评估维度")
        ordering = ["instrument", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="eldercare_dimension_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def max_score(self) -> int:
        return sum(i.max_score for i in self.items.all())


class InstrumentItem(models.Model):
    dimension = models.ForeignKey(InstrumentDimension, verbose_name=_("维度"), on_delete=models.CASCADE,
                                  related_name="items")
    code = models.CharField(_("代码"), max_length=30)
    name = models.CharField(_("二级指标"), max_length=50)
    guidance = models.CharField(_("评估说明"), max_length=300, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("评估项目")
        verbose_name_plural = _("评估项目")
        ordering = ["dimension", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="eldercare_item_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def max_score(self) -> int:
        return max((o.score for o in self.options.all()), default=0)


class InstrumentOption(models.Model):
    item = models.ForeignKey(InstrumentItem, verbose_name=_("项目"), on_delete=models.CASCADE,
                             related_name="options")
    score = models.PositiveSmallIntegerField(_("分值"))
    wording = models.CharField(_("评分标准"), max_length=300)
    # An option that decides the grade by itself (昏迷 → 完全失能): the code an adjustment rule names.
    flag = models.CharField(_("特殊标记"), max_length=20, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("评分选项")
        verbose_name_plural = _("评分选项")
        ordering = ["item", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="eldercare_option_score_range")]

    def __str__(self) -> str:
        return f"{self.score}分 {self.wording}"


class GradeBand(models.Model):
    """Total score ``min_score``..``max_score`` (inclusive) → ``grade``. The bands of a version
    cover 0..the instrument's maximum exactly once (checked when it is published)."""

    instrument = models.ForeignKey(Instrument, verbose_name=_("量表"), on_delete=models.CASCADE,
                                   related_name="bands")
    grade = models.PositiveSmallIntegerField(_("能力等级"), choices=AbilityGrade.choices)
    min_score = models.PositiveSmallIntegerField(_("最低分"))
    max_score = models.PositiveSmallIntegerField(_("最高分"))

    class Meta:
        verbose_name = _("等级划分")
        verbose_name_plural = _("等级划分")
        ordering = ["instrument", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "grade"], name="eldercare_band_grade_unique"),
            models.CheckConstraint(condition=Q(max_score__gte=models.F("min_score")), name="eldercare_band_order"),
        ]

    def __str__(self) -> str:
        return f"{self.min_score}–{self.max_score}：{self.get_grade_display()}"


class AdjustmentKind(models.TextChoices):
    SET_GRADE = "set_grade", _("直接评定为")
    WORSEN = "worsen", _("提高一个失能等级")


class AdjustmentCondition(models.TextChoices):
    OPTION_FLAG = "option_flag", _("选中带特殊标记的选项")
    DEMENTIA = "dementia", _("确诊为认知障碍/痴呆")
    PSYCHIATRIC = "psychiatric", _("确诊为精神疾病")
    RISK_EVENTS = "risk_events", _("近30天内照护风险事件次数达到阈值")


class AdjustmentRule(models.Model):
    """After the total's band: SET_GRADE rules (the first that applies decides the grade, e.g. 昏迷 →
    完全失能); else WORSEN rules move the grade one step towards 完全失能 — once, however many apply
    (GB/T 42195-2022: 有下列情况之一的，在原有能力级别上提高一个级别)."""

    instrument = models.ForeignKey(Instrument, verbose_name=_("量表"), on_delete=models.CASCADE,
                                   related_name="adjustments")
    code = models.CharField(_("代码"), max_length=30)
    label = models.CharField(_("说明"), max_length=200)
    condition = models.CharField(_("条件"), max_length=20, choices=AdjustmentCondition.choices)
    flag = models.CharField(_("选项标记"), max_length=20, blank=True, default="")
    threshold = models.PositiveSmallIntegerField(_("阈值"), null=True, blank=True)
    kind = models.CharField(_("调整方式"), max_length=12, choices=AdjustmentKind.choices)
    to_grade = models.PositiveSmallIntegerField(_("评定等级"), choices=AbilityGrade.choices, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("等级调整规则")
        verbose_name_plural = _("等级调整规则")
        ordering = ["instrument", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="eldercare_adjustment_code_unique"),
            models.CheckConstraint(condition=~Q(kind="set_grade") | Q(to_grade__isnull=False),
                                   name="eldercare_adjustment_set_grade_target"),
        ]

    def __str__(self) -> str:
        return self.label
