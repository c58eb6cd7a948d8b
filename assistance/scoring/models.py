"""The difficulty-index engine's data: versioned scoring models, score rows,
their history, re-scoring runs and their chunks, the dirty-household queue and
discovery/review leads.

Rules live in ``rules.py`` (Python, one household) and ``sql.py`` (set-based);
``tests/assistance/scoring/test_property.py`` proves the two agree.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

D = Decimal


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class ScoringModel(models.Model):
    """One version of the scoring rules. A published version is frozen: score rows
    point at it, so editing it would rewrite history. Changes go into a new draft."""

    version = models.PositiveIntegerField(_("版本号"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=12, choices=ModelStatus.choices, default=ModelStatus.DRAFT)
    note = models.TextField(_("修订说明"), blank=True, default="")

    # Weights of the six dimensions (they should sum to 1).
    w_income = models.DecimalField(_("权重·收入"), max_digits=4, decimal_places=3, default=D("0.30"))
    w_expense = models.DecimalField(_("权重·支出"), max_digits=4, decimal_places=3, default=D("0.20"))
    w_assets = models.DecimalField(_("权重·资产"), max_digits=4, decimal_places=3, default=D("0.10"))
    w_health = models.DecimalField(_("权重·健康"), max_digits=4, decimal_places=3, default=D("0.15"))
    w_dependency = models.DecimalField(_("权重·结构"), max_digits=4, decimal_places=3, default=D("0.15"))
    w_employment = models.DecimalField(_("权重·就业"), max_digits=4, decimal_places=3, default=D("0.10"))

    # Dimension rules.
    income_full_ratio = models.DecimalField(_("收入维满分比值上限"), max_digits=6, decimal_places=3, default=D("1"),
                                            help_text=_("人均收入÷低保标准不超过此值时收入维得 100 分"))
    income_zero_ratio = models.DecimalField(_("收入维零分比值"), max_digits=6, decimal_places=3, default=D("2.5"),
                                            help_text=_("人均收入÷低保标准达到此值时收入维得 0 分"))
    expense_full_share = models.DecimalField(_("支出维满分占比"), max_digits=6, decimal_places=3, default=D("0.5"),
                                             help_text=_("刚性支出占收入达到此比例时支出维得 100 分；也是支出型判定线"))
    asset_multiplier = models.DecimalField(_("人均金融资产上限（年低保标准倍数）"), max_digits=6, decimal_places=3,
                                           default=D("2"))
    severe_points = models.DecimalField(_("重度残疾/重病每人计分"), max_digits=6, decimal_places=2, default=D("40"))
    chronic_points = models.DecimalField(_("慢性病/失能老人每人计分"), max_digits=6, decimal_places=2, default=D("15"))
    child_age = models.PositiveSmallIntegerField(_("未成年年龄线（低于）"), default=16)
    elder_age = models.PositiveSmallIntegerField(_("老年年龄线（不低于）"), default=60)
    recent_days = models.PositiveSmallIntegerField(_("近期天数（急难、就业）"), default=90)
    emergency_medical_amount = models.DecimalField(_("急难型大额医疗支出（元）"), max_digits=12, decimal_places=2,
                                                   default=D("20000"))
    development_max_ratio = models.DecimalField(_("发展型人均收入上限（标准倍数）"), max_digits=6, decimal_places=3,
                                                default=D("2"))
    dibian_ratio = models.DecimalField(_("低边收入线（标准倍数）"), max_digits=6, decimal_places=3, default=D("2"))

    # Colour bands.
    red_threshold = models.DecimalField(_("红色阈值"), max_digits=5, decimal_places=2, default=D("70"),
                                        validators=[MinValueValidator(0), MaxValueValidator(100)])
    yellow_threshold = models.DecimalField(_("黄色阈值"), max_digits=5, decimal_places=2, default=D("50"),
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])

    # Leads.
    lead_cooldown_days = models.PositiveSmallIntegerField(
        _("线索办结后冷却天数"), default=90,
        help_text=_("同一家庭同类线索办结后，在此天数内不再重复生成"))
    review_lead_days = models.PositiveSmallIntegerField(_("复核（渐退）线索办理天数"), default=30)

    dry_run_result = models.JSONField(_("试算结果"), null=True, blank=True, editable=False)
    dry_run_at = models.DateTimeField(_("试算时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        verbose_name = _("困难指数模型")
        verbose_name_plural = _("困难指数模型")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=Q(income_zero_ratio__gt=models.F("income_full_ratio")),
                                   name="scoringmodel_income_ratios"),
            models.CheckConstraint(condition=Q(red_threshold__gte=models.F("yellow_threshold")),
                                   name="scoringmodel_colour_bands"),
            models.CheckConstraint(condition=Q(expense_full_share__gt=0) & Q(asset_multiplier__gt=0),
                                   name="scoringmodel_positive_divisors"),
            # At most one version is in force at a time.
            models.UniqueConstraint(fields=["status"], condition=Q(status="published"),
                                    name="scoringmodel_one_published"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"

    @property
    def is_editable(self) -> bool:
        return self.status == ModelStatus.DRAFT

    def weights(self) -> dict[str, Decimal]:
        return {"income": self.w_income, "expense": self.w_expense, "assets": self.w_assets,
                "health": self.w_health, "dependency": self.w_dependency, "employment": self.w_employment}


class Colour(models.TextChoices):
    RED = "red", _("红色")
    YELLOW = "yellow", _("黄色")
    GREEN = "green", _("绿色")


class MainType(models.TextChoices):
    EMERGENCY = "emergency", _("急难型")
    EXPENDITURE = "expenditure", _("支出型")
    INCOME = "income", _("收入型")
    CARE = "care", _("关爱型")
    DEVELOPMENT = "development", _("发展型")
    NONE = "none", _("无明显困难")


# The columns that make up one score (compared with IS DISTINCT FROM, copied to history).
SCORE_CONTENT_FIELDS = (
    "model_version_id", "standard",
    "member_count", "income_12m", "per_capita_income", "income_ratio", "expense_12m", "expense_share",
    "financial_assets", "asset_ratio", "properties", "vehicles", "severe_count", "chronic_count",
    "disabled_elders", "children", "elders", "unable", "able_working", "unemployed", "emergency",
    "children_alone", "eligible", "covered", "review_needed",
    "d_income", "d_expense", "d_assets", "d_health", "d_dependency", "d_employment",
    "difficulty_index", "colour", "main_type",
)


class ScoreFields(models.Model):
    """Everything one score is: the model version, the parameter value used, the
    inputs behind each dimension, the six dimension scores and the result."""

    # No index on model_version or run: every re-score rewrites them, and each index on
    # a rewritten column costs a write and rules out HOT updates (issue 4 notes).
    model_version = models.ForeignKey(ScoringModel, verbose_name=_("模型版本"), on_delete=models.PROTECT,
                                      related_name="+", db_index=False)
    scored_on = models.DateField(_("评分日期"))
    computed_at = models.DateTimeField(_("计算时间"))
    # The proactive engine's run that wrote the row (the difficulty index is one of its rule sets).
    run = models.ForeignKey("entitlements.EntitlementRun", verbose_name=_("评分批次"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False)
    standard = models.DecimalField(_("低保标准（元/人·月）"), max_digits=14, decimal_places=4)
    # inputs
    member_count = models.PositiveSmallIntegerField(_("在世成员数"))
    income_12m = models.DecimalField(_("近12个月家庭收入"), max_digits=14, decimal_places=2)
    per_capita_income = models.DecimalField(_("人均月收入"), max_digits=14, decimal_places=2)
    income_ratio = models.DecimalField(_("人均收入÷低保标准"), max_digits=12, decimal_places=4)
    expense_12m = models.DecimalField(_("近12个月医疗教育支出"), max_digits=14, decimal_places=2)
    expense_share = models.DecimalField(_("刚性支出占收入比"), max_digits=12, decimal_places=4)
    financial_assets = models.DecimalField(_("金融资产合计"), max_digits=16, decimal_places=2)
    asset_ratio = models.DecimalField(_("人均金融资产÷上限"), max_digits=12, decimal_places=4)
    properties = models.PositiveSmallIntegerField(_("房产数"))
    vehicles = models.PositiveSmallIntegerField(_("非豁免车辆数"))
    severe_count = models.PositiveSmallIntegerField(_("重度残疾/重病人次"))
    chronic_count = models.PositiveSmallIntegerField(_("慢性病人数"))
    disabled_elders = models.PositiveSmallIntegerField(_("失能老人数"))
    children = models.PositiveSmallIntegerField(_("未成年人数"))
    elders = models.PositiveSmallIntegerField(_("老年人数"))
    unable = models.PositiveSmallIntegerField(_("劳动年龄无劳动能力人数"))
    able_working = models.PositiveSmallIntegerField(_("劳动年龄有劳动能力人数"))
    unemployed = models.PositiveSmallIntegerField(_("无业且未缴社保人数"))
    emergency = models.BooleanField(_("近期急难事件"))
    children_alone = models.BooleanField(_("未成年人无劳动年龄成年人照料"))
    eligible = models.BooleanField(_("符合低保条件"))
    covered = models.BooleanField(_("享受低保/特困/低边"))
    review_needed = models.BooleanField(_("收入超线需复核"))
    # dimension scores
    d_income = models.DecimalField(_("收入维"), max_digits=5, decimal_places=2)
    d_expense = models.DecimalField(_("支出维"), max_digits=5, decimal_places=2)
    d_assets = models.DecimalField(_("资产维"), max_digits=5, decimal_places=2)
    d_health = models.DecimalField(_("健康维"), max_digits=5, decimal_places=2)
    d_dependency = models.DecimalField(_("结构维"), max_digits=5, decimal_places=2)
    d_employment = models.DecimalField(_("就业维"), max_digits=5, decimal_places=2)
    difficulty_index = models.DecimalField(_("困难指数"), max_digits=5, decimal_places=2)
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices)
    main_type = models.CharField(_("主要类型"), max_length=12, choices=MainType.choices)

    class Meta:
        abstract = True

    @property
    def uncovered(self) -> bool:
        """应保未保: meets the 低保 rule but receives nothing."""
        return self.eligible and not self.covered


class HouseholdScore(ScoreFields):
    """The current score of a household: one row, rewritten only when its content changes.
    Indexed only on what caseworkers filter by (colour within a region); stored at
    fillfactor 50 so a rewrite is a HOT update (migration 0005)."""

    household = models.OneToOneField("registry.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                     primary_key=True, related_name="score")
    community_id = models.CharField(_("村社代码"), max_length=12)

    jurisdiction_field = "community_id"

    class Meta:
        verbose_name = _("家庭困难指数")
        verbose_name_plural = _("家庭困难指数")
        indexes = [
            models.Index(fields=["community_id", "colour"], name="score_community_colour_idx",
                         opclasses=["varchar_pattern_ops", "varchar_ops"]),
        ]


class ScoreHistory(ScoreFields):
    """Append-only: a copy of every score row as it was written. Never updated, so
    publishing a new model version never rewrites what an old version said."""

    # Indexed by scorehist_household_idx (household, computed_at): a second index on the
    # household alone would only cost a write per history row.
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="score_history", db_constraint=False, db_index=False)
    community_id = models.CharField(_("村社代码"), max_length=12)

    jurisdiction_field = "community_id"

    class Meta:
        verbose_name = _("困难指数历史")
        verbose_name_plural = _("困难指数历史")
        indexes = [models.Index(fields=["household", "computed_at"], name="scorehist_household_idx")]


class LeadKind(models.TextChoices):
    DISCOVERY = "discovery", _("主动发现")
    REVIEW = "review", _("收入超线复核（渐退）")


class LeadStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    CLOSED = "closed", _("已办结")


class LeadOutcome(models.TextChoices):
    INCLUDED = "included", _("入户核实——已纳入救助")
    REFERRED = "referred", _("入户核实——已转介")
    NOT_ELIGIBLE = "not_eligible", _("入户核实——不符合条件")
    FALSE_ALARM = "false_alarm", _("误报")
    PHASED_OUT = "phased_out", _("已进入渐退")
    CONFIRMED = "confirmed", _("复核维持")


# Which outcomes need a written reason.
OUTCOMES_NEEDING_REASON = {LeadOutcome.NOT_ELIGIBLE, LeadOutcome.FALSE_ALARM, LeadOutcome.REFERRED}
OUTCOMES_BY_KIND = {
    LeadKind.DISCOVERY: (LeadOutcome.INCLUDED, LeadOutcome.REFERRED, LeadOutcome.NOT_ELIGIBLE,
                         LeadOutcome.FALSE_ALARM),
    LeadKind.REVIEW: (LeadOutcome.PHASED_OUT, LeadOutcome.CONFIRMED, LeadOutcome.FALSE_ALARM),
}
# A discovery lead whose household starts receiving 低保/特困/低边 has done its job: it is
# closed as included (by the granting service, or by the next re-score seeing ``covered``).
COVERED_OUTCOME = LeadOutcome.INCLUDED
COVERED_LEAD_NOTE = _("该家庭已享受低保、特困或低边，线索自动办结。")


class Lead(models.Model):
    """A household the engine thinks needs a visit. One open lead per household and
    kind (unique index), so re-runs update it instead of raising another."""

    jurisdiction_field = "community_id"

    # Indexed by lead_household_idx (household, kind, closed_at).
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="scoring_leads", db_index=False)
    community_id = models.CharField(_("村社代码"), max_length=12)
    kind = models.CharField(_("线索类型"), max_length=12, choices=LeadKind.choices)
    status = models.CharField(_("状态"), max_length=8, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    model_version = models.ForeignKey(ScoringModel, verbose_name=_("模型版本"), on_delete=models.PROTECT,
                                      related_name="leads")
    difficulty_index = models.DecimalField(_("困难指数"), max_digits=5, decimal_places=2)
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices)
    main_type = models.CharField(_("主要类型"), max_length=12, choices=MainType.choices)
    per_capita_income = models.DecimalField(_("人均月收入"), max_digits=14, decimal_places=2)
    standard = models.DecimalField(_("低保标准"), max_digits=14, decimal_places=4)
    run = models.ForeignKey("entitlements.EntitlementRun", verbose_name=_("评分批次"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    work_item = models.ForeignKey("worklist.WorkItem", verbose_name=_("待办事项"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("生成时间"))
    due_at = models.DateTimeField(_("办理期限"))
    updated_at = models.DateTimeField(_("更新时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("核实结果"), max_length=16, choices=LeadOutcome.choices, blank=True, default="")
    outcome_reason = models.TextField(_("原因说明"), blank=True, default="")

    class Meta:
        verbose_name = _("主动发现线索")
        verbose_name_plural = _("主动发现线索")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "kind"], condition=Q(status="open"),
                                    name="lead_one_open_per_household_kind"),
        ]
        indexes = [
            models.Index(fields=["community_id", "status"], name="lead_community_idx",
                         opclasses=["varchar_pattern_ops", "varchar_ops"]),
            models.Index(fields=["household", "kind", "closed_at"], name="lead_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.household_id}"

    @property
    def is_open(self) -> bool:
        return self.status == LeadStatus.OPEN

    @property
    def dedupe_key(self) -> str:
        return lead_dedupe_key(self.kind, self.household_id)


def lead_dedupe_key(kind: str, household_id: int) -> str:
    """The worklist dedupe key, shared by the set-based SQL and ``workitem_raise``."""
    return f"scoring.{kind}:{household_id}"
