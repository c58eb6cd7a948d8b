"""Elder care's rules on the proactive engine (政策找人, issue 12 area C), and the one reader of an
elder's economic status.

- ``eldercare.high_age`` (高龄津贴, GRANT): a registered resident — the person's registered region
  (户籍地) has a value of ``high_age_allowance_80`` on the day, i.e. the allowance applies there —
  alive and aged 80 or more; band 80 / 90 / 100 by age, amount the band's dated region parameter.
- ``eldercare.care`` (护理补贴, GRANT): a registered resident aged 60 or more, alive, whose ability
  grade in force (``eldercare.selectors.grade_sql``) is a 失能 grade whose parameter is above 0.

Each rule is a SQL statement (``*_sql(target)``) and its Python twin (``*_explain``), held equal by
``tests/eldercare/test_allowances_rules.py`` (hypothesis). The dead (``Person.death_date`` or a
current DEATH department record on or before the day) and those registered elsewhere get an
ineligible row with the reason, which a lost candidate keeps. Reasons are plain Chinese sentences,
shown on the elder's page.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from civilaffairs.entitlements.rules import DirtyReason, OnGain, Rule, RuleResult, Subject, age_cutoff

from .selectors import ELDER_AGE, grade_sql

HIGH_AGE = "eldercare.high_age"
CARE = "eldercare.care"
HIGH_AGE_LINES = (80, 90, 100)
HIGH_AGE_KEYS = {80: "high_age_allowance_80", 90: "high_age_allowance_90", 100: "high_age_allowance_100"}
BAND_LABELS = {"80": "80–89 周岁档", "90": "90–99 周岁档", "100": "100 周岁以上档"}
CARE_KEYS = {1: "care_allowance_mild", 2: "care_allowance_moderate", 3: "care_allowance_severe",
             4: "care_allowance_total"}
GRADE_WORDS = {0: "能力完好", 1: "轻度失能", 2: "中度失能", 3: "重度失能", 4: "完全失能"}
ARREARS_KEY = "eldercare_arrears_months"

NOT_REGISTERED = "户籍不在本市津贴发放地区（未登记本地户籍或已迁出）"
NO_GRADE = "无有效期内的能力评估"


def _ymd(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


# --- shared SQL pieces ------------------------------------------------------------------------------

# The day of death known on %(on)s: the person's death date or the earliest current DEATH record.
DEATH_SQL = """SELECT LEAST(
    CASE WHEN p.death_date <= %(on)s::date THEN p.death_date END,
    (SELECT min(d.period_start) FROM registry_departmentrecord d
      WHERE d.person_id = p.id AND d.kind = 'death' AND d.status = 'current'
        AND d.period_start <= %(on)s::date)) AS died"""


def param_sql(key: str, region_col: str) -> str:
    """The value of parameter ``key`` in force on %(on)s at the region in ``region_col`` (its own
    row, else the nearest ancestor's) — ``registry.selectors.parameter_row``'s answer."""
    return f"""SELECT pp.value FROM registry_policyparameter pp
    WHERE pp.key = '{key}' AND pp.region_id IN (left({region_col}, 2), left({region_col}, 4),
          left({region_col}, 6), left({region_col}, 9), {region_col})
      AND pp.effective_from <= %(on)s::date AND (pp.effective_to IS NULL OR pp.effective_to >= %(on)s::date)
    ORDER BY length(pp.region_id) DESC, pp.effective_from DESC LIMIT 1"""


def died_on(person, on: dt.date) -> dt.date | None:
    """Python twin of ``DEATH_SQL``."""
    from civilaffairs.registry.models import DepartmentRecord, RecordKind

    days = [d for d in DepartmentRecord.objects.filter(person_id=person.pk, kind=RecordKind.DEATH, status="current",
                                                       period_start__lte=on).values_list("period_start", flat=True)]
    if person.death_date is not None and person.death_date <= on:
        days.append(person.death_date)
    return min(days) if days else None


def param_at(key: str, region_code: str | None, on: dt.date) -> Decimal | None:
    from civilaffairs.registry.selectors import ParameterMissing, parameter_value

    if not region_code:
        return None
    try:
        return parameter_value(key=key, region_code=region_code, on=on)
    except ParameterMissing:
        return None


def _region_sentence(name: str) -> str:
    return f"户籍在{name}"


# --- high-age allowance -----------------------------------------------------------------------------

def high_age_sql(target: str) -> str:
    a80, a90, a100 = (f"({param_sql(HIGH_AGE_KEYS[n], 'p.registered_region_id')})" for n in HIGH_AGE_LINES)
    return f"""
    SELECT p.id,
           d.died IS NULL AND x.v IS NOT NULL,
           CASE WHEN d.died IS NOT NULL THEN 'dead' WHEN x.v IS NULL THEN 'not_registered' ELSE x.band END,
           CASE WHEN d.died IS NULL AND x.v IS NOT NULL THEN round(x.v, 2) END,
           CASE WHEN d.died IS NOT NULL THEN jsonb_build_array(
                    '已去世（' || extract(year FROM d.died)::int || '年' || extract(month FROM d.died)::int
                    || '月' || extract(day FROM d.died)::int || '日）')
                WHEN x.v IS NULL THEN jsonb_build_array({NOT_REGISTERED!r})
                ELSE jsonb_build_array(
                    '户籍在' || r.name,
                    extract(year FROM p.birth_date)::int || '年' || extract(month FROM p.birth_date)::int || '月'
                    || extract(day FROM p.birth_date)::int || '日出生，年满 ' || x.band || ' 周岁',
                    CASE x.band WHEN '100' THEN '100 周岁以上档' WHEN '90' THEN '90–99 周岁档' ELSE '80–89 周岁档' END
                    || '，每月 ' || round(x.v, 2)::text || ' 元') END
    FROM registry_person p
    LEFT JOIN registry_region r ON r.code = p.registered_region_id
    CROSS JOIN LATERAL ({DEATH_SQL}) d
    CROSS JOIN LATERAL (
        SELECT CASE WHEN p.birth_date <= %(on)s::date - make_interval(years => 100) THEN '100'
                    WHEN p.birth_date <= %(on)s::date - make_interval(years => 90) THEN '90' ELSE '80' END AS band) b
    CROSS JOIN LATERAL (
        SELECT b.band, CASE WHEN p.registered_region_id IS NULL THEN NULL
                            WHEN b.band = '100' THEN {a100} WHEN b.band = '90' THEN {a90} ELSE {a80} END AS v) x
    WHERE {target.replace("{col}", "p.id")}
      AND p.birth_date <= %(on)s::date - make_interval(years => 80)"""


def high_age_band(person, on: dt.date) -> str | None:
    for line in reversed(HIGH_AGE_LINES):
        if person.birth_date <= age_cutoff(on, line):
            return str(line)
    return None


def high_age_explain(subject_id: int, on: dt.date) -> RuleResult:
    from civilaffairs.registry.models import Person

    person = Person.objects.select_related("registered_region").get(pk=subject_id)
    band = high_age_band(person, on)
    if band is None:
        return RuleResult(False)
    died = died_on(person, on)
    if died is not None:
        return RuleResult(False, "dead", None, (f"已去世（{_ymd(died)}）",))
    value = param_at(HIGH_AGE_KEYS[int(band)], person.registered_region_id, on)
    if value is None:
        return RuleResult(False, "not_registered", None, (NOT_REGISTERED,))
    amount = Decimal(value).quantize(Decimal("0.01"))
    return RuleResult(True, band, amount, (
        _region_sentence(person.registered_region.name),
        f"{_ymd(person.birth_date)}出生，年满 {band} 周岁",
        f"{BAND_LABELS[band]}，每月 {_money(amount)} 元"))


# --- care allowance (护理补贴) ------------------------------------------------------------------------

def care_sql(target: str) -> str:
    values = " ".join(f"WHEN {g} THEN ({param_sql(k, 'p.registered_region_id')})" for g, k in CARE_KEYS.items())
    words = " ".join(f"WHEN {g} THEN '{w}'" for g, w in GRADE_WORDS.items())
    return f"""
    SELECT p.id,
           d.died IS NULL AND x.v > 0,
           CASE WHEN d.died IS NOT NULL THEN 'dead' WHEN p.registered_region_id IS NULL OR x.base IS NULL
                THEN 'not_registered' WHEN g.grade IS NULL THEN 'no_grade' ELSE g.grade::text END,
           CASE WHEN d.died IS NULL AND x.v > 0 THEN round(x.v, 2) END,
           CASE WHEN d.died IS NOT NULL THEN jsonb_build_array(
                    '已去世（' || extract(year FROM d.died)::int || '年' || extract(month FROM d.died)::int
                    || '月' || extract(day FROM d.died)::int || '日）')
                WHEN p.registered_region_id IS NULL OR x.base IS NULL THEN jsonb_build_array({NOT_REGISTERED!r})
                WHEN g.grade IS NULL THEN jsonb_build_array({NO_GRADE!r})
                WHEN coalesce(x.v, 0) <= 0 THEN jsonb_build_array(
                    '能力评估等级：' || CASE g.grade {words} END || '，不属于护理补贴发放范围')
                ELSE jsonb_build_array(
                    '户籍在' || r.name,
                    '能力评估等级：' || CASE g.grade {words} END,
                    '护理补贴每月 ' || round(x.v, 2)::text || ' 元') END
    FROM registry_person p
    LEFT JOIN registry_region r ON r.code = p.registered_region_id
    CROSS JOIN LATERAL ({DEATH_SQL}) d
    LEFT JOIN LATERAL ({grade_sql("p.id")}) g ON true
    CROSS JOIN LATERAL (
        SELECT ({param_sql(CARE_KEYS[4], 'p.registered_region_id')}) AS base,
               CASE g.grade {values} END AS v) x
    WHERE {target.replace("{col}", "p.id")}
      AND p.birth_date <= %(on)s::date - make_interval(years => {ELDER_AGE})"""


def care_explain(subject_id: int, on: dt.date) -> RuleResult:
    from civilaffairs.registry.models import Person

    from .selectors import grade_on

    person = Person.objects.select_related("registered_region").get(pk=subject_id)
    if person.birth_date > age_cutoff(on, ELDER_AGE):
        return RuleResult(False)
    died = died_on(person, on)
    if died is not None:
        return RuleResult(False, "dead", None, (f"已去世（{_ymd(died)}）",))
    if param_at(CARE_KEYS[4], person.registered_region_id, on) is None:
        return RuleResult(False, "not_registered", None, (NOT_REGISTERED,))
    grade = grade_on(person.pk, on)
    if grade is None:
        return RuleResult(False, "no_grade", None, (NO_GRADE,))
    value = param_at(CARE_KEYS[grade], person.registered_region_id, on) if grade in CARE_KEYS else None
    if value is None or value <= 0:
        return RuleResult(False, str(grade), None, (f"能力评估等级：{GRADE_WORDS[grade]}，不属于护理补贴发放范围",))
    amount = Decimal(value).quantize(Decimal("0.01"))
    return RuleResult(True, str(grade), amount, (
        _region_sentence(person.registered_region.name), f"能力评估等级：{GRADE_WORDS[grade]}",
        f"护理补贴每月 {_money(amount)} 元"))


# --- economic status (特困 / 低保 / 低边 / other): the ONE reader of assistance's benefits ---------------

class Economic:
    TEKUN, DIBAO, DIBIAN, OTHER = "tekun", "dibao", "dibian", "other"
    LABELS = {"tekun": "特困", "dibao": "低保", "dibian": "低边", "other": "其他"}
    ORDER = ("tekun", "dibao", "dibian")  # the first programme the elder's household receives wins


def economic_status_sql(person_col: str) -> str:
    """A scalar subquery: the elder's economic status on %(on)s from assistance's benefits that are paid
    (active or phasing out) and run on the day, of the elder's active household. A programme may read
    another programme's data; this is the one place elder care does."""
    from assistance.models import PAID_STATUSES

    paid = ", ".join(f"'{s}'" for s in PAID_STATUSES)
    return f"""coalesce((SELECT b.programme FROM assistance_benefit b
        JOIN registry_householdmember hm ON hm.household_id = b.household_id AND hm.is_active
        WHERE hm.person_id = {person_col} AND b.status IN ({paid}) AND b.programme IN ('tekun', 'dibao', 'dibian')
          AND b.start_date <= %(on)s::date AND (b.end_date IS NULL OR b.end_date >= %(on)s::date)
        ORDER BY array_position(ARRAY['tekun', 'dibao', 'dibian']::text[], b.programme::text) LIMIT 1), 'other')"""


def economic_status_on(person_id: int, on: dt.date) -> str:
    """Python twin of ``economic_status_sql``."""
    from django.db.models import Q

    from assistance.models import PAID_STATUSES, Benefit

    found = set(Benefit.objects.filter(
        household__members__person_id=person_id, household__members__is_active=True, status__in=PAID_STATUSES,
        programme__in=Economic.ORDER, start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values_list("programme", flat=True))
    return next((s for s in Economic.ORDER if s in found), Economic.OTHER)


# --- registration --------------------------------------------------------------------------------

def rules() -> tuple[Rule, ...]:
    from .services import allowances as svc

    triggers = (DirtyReason.PERSON, DirtyReason.AGE_LINE, DirtyReason.FACTS, DirtyReason.OTHER)
    return (
        Rule(key=HIGH_AGE, programme="eldercare", label="高龄津贴", subject=Subject.PERSON, version=1,
             sql=high_age_sql, explain=high_age_explain, on_gain=OnGain.GRANT, grant=svc.high_age_grant,
             on_change=svc.allowance_rebanded, on_loss=svc.allowance_lost, age_lines=HIGH_AGE_LINES,
             triggers=triggers, parameters=(*HIGH_AGE_KEYS.values(), ARREARS_KEY), order=40),
        Rule(key=CARE, programme="eldercare", label="护理补贴（失能老年人）", subject=Subject.PERSON, version=1,
             sql=care_sql, explain=care_explain, on_gain=OnGain.GRANT, grant=svc.care_grant,
             on_change=svc.allowance_rebanded, on_loss=svc.allowance_lost, age_lines=(ELDER_AGE,),
             triggers=triggers, parameters=(*CARE_KEYS.values(), ARREARS_KEY), order=41),
    )


def register() -> None:
    from civilaffairs.entitlements.rules import register_rule

    for rule in rules():
        register_rule(rule)
