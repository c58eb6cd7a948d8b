"""Reads of the scoring engine: the model in force, scoped scores, leads and the
dashboard, and the explain path (the Python rules applied to one household)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import Application, Benefit, Programme
from civilaffairs.entitlements.apps import VIEW_ENTITLEMENTS
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import (
    get_scoped_or_404,
    jurisdiction_codes,
    scope_queryset,
    user_can,
)
from civilaffairs.registry.facts.reader import facts_for
from civilaffairs.registry.facts.windows import window
from civilaffairs.registry.models import (
    Household,
    HouseholdMember,
    Region,
)
from civilaffairs.registry.selectors import ParameterMissing, parameter_value

from .models import (
    Colour,
    HouseholdScore,
    Lead,
    LeadKind,
    LeadOutcome,
    LeadStatus,
    MainType,
    ModelStatus,
    ScoreHistory,
    ScoringModel,
)
from .rules import (
    MONTHS,
    BenefitFact,
    MemberFact,
    Score,
    score_household,
)


class NoPublishedModel(LookupError):
    pass


def current_model() -> ScoringModel:
    model = ScoringModel.objects.filter(status=ModelStatus.PUBLISHED).first()
    if model is None:
        raise NoPublishedModel(_("尚未发布困难指数模型。"))
    return model


def today() -> dt.date:
    return timezone.localdate()


# --- the explain path -------------------------------------------------------------

def household_facts(*, household_id: int, community_id: str, on: dt.date, recent_days: int = 90):
    """Load one household's inputs through the ORM and the facts reader (a handful of queries)."""
    members = list(HouseholdMember.objects.filter(household_id=household_id, is_active=True)
                   .values("person_id", "person__birth_date", "person__death_date"))
    facts = facts_for([m["person_id"] for m in members], window(on, recent_days=recent_days))
    member_facts = [MemberFact(birth_date=m["person__birth_date"], death_date=m["person__death_date"],
                               facts=facts[m["person_id"]], person_id=m["person_id"]) for m in members]
    benefits = [BenefitFact(programme=b["programme"], status=b["status"],
                            single_person_ids=_single_ids(b["calculation"]))
                for b in Benefit.objects.filter(household_id=household_id).values("programme", "status",
                                                                                   "calculation")]
    try:
        standard = parameter_value(key="dibao_standard", region_code=community_id, on=on)
    except ParameterMissing:
        standard = None
    return member_facts, benefits, standard


def _single_ids(calculation) -> tuple[int, ...]:
    """The 单人户 members a benefit covers (as the SQL reads ``calculation -> 'single_person_ids'``)."""
    ids = calculation.get("single_person_ids") if isinstance(calculation, dict) else None
    return tuple(int(i) for i in ids) if isinstance(ids, list) else ()


def household_explain_score(*, household: Household, model: ScoringModel, on: dt.date) -> Score | None:
    members, benefits, standard = household_facts(household_id=household.pk, community_id=household.community_id,
                                                  on=on, recent_days=model.recent_days)
    return score_household(members=members, benefits=benefits, standard=standard, model=model, on=on)


@dataclass
class DimensionLine:
    key: str
    label: str
    weight: Decimal
    score: Decimal
    weighted: Decimal
    text: str


def _num(x: Decimal) -> str:
    """A model parameter without trailing zeros and never in exponent form (40, not 4E+1)."""
    return format(x.normalize(), "f")


def _pct(x: Decimal) -> str:
    return f"{(x * 100).quantize(Decimal('0.1'))}%"


def explain(score, model: ScoringModel) -> list[DimensionLine]:
    """The Chinese explanation of a score row (stored or freshly computed), one line
    per dimension, from the inputs kept on the row."""
    s = score
    std = Decimal(s.standard).quantize(Decimal("0.01"))
    lines = []

    line = MONTHS * s.member_count * Decimal(s.standard)  # the boundaries on exact values, as the rules
    if s.income_12m <= model.income_full_ratio * line:
        rule = _("不高于低保标准的 %(f)s 倍，得满分") % {"f": _num(model.income_full_ratio)}
    elif s.income_12m >= model.income_zero_ratio * line:
        rule = _("达到低保标准的 %(z)s 倍及以上，得 0 分") % {"z": _num(model.income_zero_ratio)}
    else:
        rule = _("介于 %(f)s 倍与 %(z)s 倍之间，按比例递减") % {"f": _num(model.income_full_ratio),
                                                              "z": _num(model.income_zero_ratio)}
    lines.append(("income", _("收入"), model.w_income, s.d_income,
                  _("近12个月家庭收入 %(inc)s 元，%(n)s 名在世成员，人均月收入 %(pci)s 元，为低保标准 %(std)s 元的 "
                    "%(r)s 倍；%(rule)s。") % {"inc": s.income_12m, "n": s.member_count, "pci": s.per_capita_income,
                                               "std": std, "r": s.income_ratio, "rule": rule}))
    lines.append(("expense", _("支出"), model.w_expense, s.d_expense,
                  _("近12个月医疗、教育支出 %(e)s 元，占家庭收入的 %(share)s；占比达到 %(full)s 即得满分。")
                  % {"e": s.expense_12m, "share": _pct(s.expense_share), "full": _pct(model.expense_full_share)}))
    if s.properties >= 1 or s.vehicles >= 1:
        asset_rule = _("名下有自住房以外的房产 %(p)s 套、非豁免车辆 %(v)s 辆，资产维得 0 分。") % {
            "p": s.properties, "v": s.vehicles}
    else:
        asset_rule = _("人均金融资产为上限（%(m)s 倍年低保标准）的 %(a)s。") % {
            "m": _num(model.asset_multiplier), "a": _pct(s.asset_ratio)}
    lines.append(("assets", _("资产"), model.w_assets, s.d_assets,
                  _("金融资产合计 %(fa)s 元；%(rule)s") % {"fa": s.financial_assets, "rule": asset_rule}))
    lines.append(("health", _("健康"), model.w_health, s.d_health,
                  _("重度残疾或重病 %(sev)s 人次（每人次 %(sp)s 分），慢性病 %(ch)s 人、失能老人 %(de)s 人"
                    "（每人 %(cp)s 分），最高 100 分。") % {"sev": s.severe_count, "sp": _num(model.severe_points),
                                                         "ch": s.chronic_count, "de": s.disabled_elders,
                                                         "cp": _num(model.chronic_points)}))
    lines.append(("dependency", _("结构"), model.w_dependency, s.d_dependency,
                  _("%(n)s 名成员中未满 %(c)s 岁 %(k)s 人、%(e)s 岁及以上 %(o)s 人、劳动年龄无劳动能力 %(u)s 人。")
                  % {"n": s.member_count, "c": model.child_age, "k": s.children, "e": model.elder_age,
                     "o": s.elders, "u": s.unable}))
    if s.able_working:
        emp = _("劳动年龄有劳动能力的 %(a)s 人中，%(u)s 人近 %(d)s 天既无就业记录也无社保缴费。") % {
            "a": s.able_working, "u": s.unemployed, "d": model.recent_days}
    else:
        emp = _("家中没有劳动年龄且有劳动能力的成员，就业维不计分。")
    lines.append(("employment", _("就业"), model.w_employment, s.d_employment, emp))
    return [DimensionLine(key=k, label=label, weight=w, score=sc, weighted=(w * sc).quantize(Decimal("0.01")),
                          text=text) for k, label, w, sc, text in lines]


def verdict(score) -> str:
    """One sentence on colour and type."""
    parts = [_("困难指数 %(i)s，%(c)s，主要类型：%(t)s。") % {
        "i": score.difficulty_index, "c": Colour(score.colour).label, "t": MainType(score.main_type).label}]
    if score.eligible and not score.covered:
        parts.append(_("人均收入低于低保标准且资产未超限，但未享受低保、特困或低边（应保未保），一律标红。"))
    elif score.covered:
        parts.append(_("已享受低保、特困或低边。"))
    if score.emergency:
        parts.append(_("近期有急难事件（大额医疗支出或劳动年龄成员死亡）。"))
    if score.review_needed:
        parts.append(_("收入已超过保障线，需复核是否进入渐退期。"))
    return "".join(parts)


# --- scoped reads -------------------------------------------------------------------

def household_for_user(*, user, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.select_related("community", "community__parent"), user,
                             capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def score_for_household(*, household_id: int) -> HouseholdScore | None:
    return HouseholdScore.objects.select_related("model_version").filter(household_id=household_id).first()


def score_history(*, household_id: int, limit: int = 50) -> QuerySet[ScoreHistory]:
    return (ScoreHistory.objects.filter(household_id=household_id).select_related("model_version")
            .order_by("-computed_at", "-id")[:limit])


def colour_changes(history) -> list:
    """The history rows where the colour changed (oldest first)."""
    rows = sorted(history, key=lambda h: (h.computed_at, h.pk))
    result, previous = [], None
    for row in rows:
        if row.colour != previous:
            result.append(row)
            previous = row.colour
    return result


def lead_list(*, user, status: str = LeadStatus.OPEN, kind: str = "") -> QuerySet[Lead]:
    qs = scope_queryset(Lead.objects.select_related("household", "model_version", "work_item"), user,
                        capability=Capability.VIEW_HOUSEHOLDS)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("due_at", "id")


def lead_for_user(*, user, pk: int) -> Lead:
    return get_scoped_or_404(Lead.objects.select_related("household", "model_version", "work_item"), user,
                             capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def household_leads(*, household_id: int) -> QuerySet[Lead]:
    return Lead.objects.filter(household_id=household_id).select_related("model_version").order_by("-raised_at")


def lead_for_application(*, user, household_id: int, pk) -> Lead | None:
    """The discovery lead an application is being started from (``?lead=`` on the on-behalf
    page): only one of this household's that the user may see; anything else is ignored."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (scope_queryset(Lead.objects.select_related("model_version"), user, capability=Capability.VIEW_HOUSEHOLDS)
            .filter(pk=pk, household_id=household_id, kind=LeadKind.DISCOVERY).first())


def lead_application_initial(lead: Lead) -> dict:
    """What an application started from a lead is pre-filled with: the programmes the
    household's score points at and a reason quoting why it was found. The worker checks
    and may change both before the draft is created."""
    score = score_for_household(household_id=lead.household_id)
    if score is None:
        return {"programmes": [Programme.DIBAO]}
    programmes = []
    if score.eligible:
        programmes.append(Programme.DIBAO)
    elif score.income_12m < score.model_version.dibian_ratio * MONTHS * score.member_count * score.standard:
        programmes.append(Programme.DIBIAN)  # below 2 × on exact values (at exactly 2 × it is not 低边)
    if score.emergency or score.main_type == MainType.EXPENDITURE or not programmes:
        programmes.append(Programme.TEMPORARY)
    return {"programmes": [str(p) for p in programmes],
            "reason": _("经大数据比对主动发现：%(verdict)s") % {"verdict": verdict(score)}}


def lead_applications(*, lead: Lead) -> QuerySet[Application]:
    """The household's applications filed since the lead was raised (started from it, or not)."""
    return (Application.objects.filter(household_id=lead.household_id, created_at__gte=lead.raised_at)
            .order_by("-created_at"))


def dashboard(*, user) -> dict:
    """Figures for caseworkers, limited to their jurisdiction: colours by district,
    leads raised / verified / included within the due time, false-alarm rate by
    model version. Aggregates run in PostgreSQL; only a few rows come back."""
    scores = scope_queryset(HouseholdScore.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS)
    by_district = {}
    for row in (scores.annotate(district=Left("community_id", 6)).values("district", "colour")
                .annotate(n=Count("household_id")).order_by()):
        d = by_district.setdefault(row["district"], {"red": 0, "yellow": 0, "green": 0})
        d[row["colour"]] = row["n"]
    names = dict(Region.objects.filter(code__in=list(by_district)).values_list("code", "name"))
    districts = [{"code": code, "name": names.get(code, code), **counts, "total": sum(counts.values())}
                 for code, counts in sorted(by_district.items())]

    leads = scope_queryset(Lead.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS)
    visited = [LeadOutcome.INCLUDED, LeadOutcome.REFERRED, LeadOutcome.NOT_ELIGIBLE]
    by_version = list(
        leads.filter(kind="discovery").values("model_version__version")
        .annotate(raised=Count("id"),
                  closed=Count("id", filter=Q(status=LeadStatus.CLOSED)),
                  verified=Count("id", filter=Q(outcome__in=visited)),
                  included=Count("id", filter=Q(outcome=LeadOutcome.INCLUDED)),
                  included_in_time=Count("id", filter=Q(outcome=LeadOutcome.INCLUDED, closed_at__lte=F("due_at"))),
                  false_alarm=Count("id", filter=Q(outcome=LeadOutcome.FALSE_ALARM)))
        .order_by("-model_version__version"))
    for row in by_version:
        row["false_alarm_rate"] = (row["false_alarm"] / row["closed"] * 100) if row["closed"] else None
    totals = leads.aggregate(
        open=Count("id", filter=Q(status=LeadStatus.OPEN)),
        overdue=Count("id", filter=Q(status=LeadStatus.OPEN, due_at__lt=timezone.now())),
        review_open=Count("id", filter=Q(status=LeadStatus.OPEN, kind="review")))
    return {"districts": districts, "by_version": by_version, "totals": totals,
            "scoped_everywhere": jurisdiction_codes(user, Capability.VIEW_HOUSEHOLDS) is None,
            "last_run": last_run(), "can_view_runs": user_can(user, VIEW_ENTITLEMENTS)}


def last_run():
    """The proactive engine's latest run of the difficulty index (runs are city-wide and hold no
    personal data; the engine's page lists them all)."""
    from civilaffairs.entitlements.models import EntitlementRun

    from .engine import RULE_KEY

    return EntitlementRun.objects.filter(rule_keys__contains=[RULE_KEY]).order_by("-started_at", "-id").first()
