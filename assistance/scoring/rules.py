"""The scoring rules for one household, in Python: the explain path.

The bulk path is ``sql.py``; both implement the rules below, and
``tests/assistance/scoring/test_property.py`` (hypothesis) proves they give the
same numbers. Change one, change the other.

How each input is derived from department records (``DepartmentRecord``), for
the scoring date D; "in the window" means ``period_start <= D`` and
``period_end > D - 365 days`` (the record overlaps the last 12 months); "recent"
means ``period_start <= D`` and ``period_end > D - recent_days``:

- members: active ``HouseholdMember`` rows whose person is alive on D
  (``death_date`` empty or after D); a household with no living member, or no
  低保 standard in force for its community, is not scored (counted as failed);
- income (12 months): sum of ``income`` and ``pension`` amounts in the window —
  each record is the amount paid for its period (monthly records);
  per-capita monthly income = income ÷ (12 × members);
- rigid expenditure (12 months): sum of ``medical_expense`` and
  ``education_expense`` amounts in the window; share = expenditure ÷ income
  (1 when there is expenditure and no income; capped at 9999.9999);
- financial assets: per person the largest ``financial_assets`` balance reported
  in the window (so a withdrawal just before the check does not hide savings),
  summed over the household;
- property: number of ``real_estate`` records in the window (one record per
  property and year); two or more means property beyond the home;
- vehicle: ``vehicle`` records in the window whose ``attributes.exempt`` is not
  true (e.g. a disability vehicle is exempt);
- health: a person with a ``disability`` record whose ``attributes.grade`` is 1 or
  2 is severely disabled; ``serious_illness``/``chronic_illness`` records in the
  window; a disabled elder (失能老人) is a person aged ≥ elder_age with a
  disability that is not severe (a severe one already counts 40 points);
- dependency: members under child_age, aged ≥ elder_age, or of working age and
  unable to work (severe disability or serious illness);
- employment: able working-age members with no ``employment`` and no
  ``social_insurance`` record in the recent period;
- emergency (急难型): a recent ``medical_expense`` record of at least
  emergency_medical_amount, or a member of working age who died in the recent
  period;
- coverage: a ``Benefit`` in 低保/特困/低边 with a paid status (享受中/渐退期);
  review (渐退) is needed when an active 低保/特困 household's per-capita income
  is above the standard, or an active 低边 household's is above dibian_ratio ×
  the standard.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from assistance.models import (
    COVERAGE_PROGRAMMES,
    PAID_STATUSES,
    BenefitStatus,
    Programme,
)

from .models import Colour, MainType

D = Decimal
ZERO = D(0)
HUNDRED = D(100)
RATIO_CAP = D("9999.9999")
WINDOW_DAYS = 365
_DIGITS = re.compile(r"^[0-9]+$")


def q2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def q4(x: Decimal) -> Decimal:
    return x.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def json_text(attributes, key: str) -> str | None:
    """What PostgreSQL's ``attributes->>key`` returns, so both paths read JSON alike."""
    if not isinstance(attributes, dict):
        return None
    v = attributes.get(key)
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class RecordFact:
    kind: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal | None = None
    attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MemberFact:
    birth_date: dt.date
    death_date: dt.date | None = None
    records: tuple[RecordFact, ...] = ()


@dataclass(frozen=True)
class BenefitFact:
    programme: str
    status: str


@dataclass
class Score:
    """One household's score: the same columns as ``ScoreFields``."""

    standard: Decimal
    member_count: int
    income_12m: Decimal
    per_capita_income: Decimal
    income_ratio: Decimal
    expense_12m: Decimal
    expense_share: Decimal
    financial_assets: Decimal
    asset_ratio: Decimal
    properties: int
    vehicles: int
    severe_count: int
    chronic_count: int
    disabled_elders: int
    children: int
    elders: int
    unable: int
    able_working: int
    unemployed: int
    emergency: bool
    children_alone: bool
    eligible: bool
    covered: bool
    review_needed: bool
    d_income: Decimal
    d_expense: Decimal
    d_assets: Decimal
    d_health: Decimal
    d_dependency: Decimal
    d_employment: Decimal
    difficulty_index: Decimal
    colour: str
    main_type: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _grade(attributes) -> int | None:
    text = json_text(attributes, "grade")
    return int(text) if text is not None and _DIGITS.match(text) else None


def _exempt(attributes) -> bool:
    text = json_text(attributes, "exempt")
    return text is not None and text.lower() in ("true", "1", "yes")


@dataclass
class _Person:
    age: int
    income: Decimal = ZERO
    expense: Decimal = ZERO
    financial: Decimal | None = None
    properties: int = 0
    vehicles: int = 0
    disabled: bool = False
    severe: bool = False
    serious: bool = False
    chronic: bool = False
    employed: bool = False
    big_bill: bool = False


def _person(member: MemberFact, model, on: dt.date) -> _Person:
    window_start = on - dt.timedelta(days=WINDOW_DAYS)
    recent_start = on - dt.timedelta(days=model.recent_days)
    p = _Person(age=age_on(member.birth_date, on))
    for r in member.records:
        if r.period_start > on or r.period_end <= window_start:
            continue
        amount = r.amount
        recent = r.period_end > recent_start
        if r.kind in ("income", "pension") and amount is not None:
            p.income += amount
        elif r.kind in ("medical_expense", "education_expense") and amount is not None:
            p.expense += amount
        elif r.kind == "financial_assets" and amount is not None:
            p.financial = amount if p.financial is None else max(p.financial, amount)
        elif r.kind == "real_estate":
            p.properties += 1
        elif r.kind == "vehicle" and not _exempt(r.attributes):
            p.vehicles += 1
        elif r.kind == "disability":
            p.disabled = True
            grade = _grade(r.attributes)
            if grade is not None and 1 <= grade <= 2:
                p.severe = True
        elif r.kind == "serious_illness":
            p.serious = True
        elif r.kind == "chronic_illness":
            p.chronic = True
        elif r.kind in ("employment", "social_insurance") and recent:
            p.employed = True
        if (r.kind == "medical_expense" and recent and amount is not None
                and amount >= model.emergency_medical_amount):
            p.big_bill = True
    return p


def score_household(*, members: list[MemberFact], benefits: list[BenefitFact], standard: Decimal | None,
                    model, on: dt.date) -> Score | None:
    """Score one household, or ``None`` when it cannot be scored (no living member
    or no 低保 standard)."""
    alive = [m for m in members if m.death_date is None or m.death_date > on]
    if not alive or standard is None or standard <= 0:
        return None
    recent_start = on - dt.timedelta(days=model.recent_days)
    people = [_person(m, model, on) for m in alive]
    n = len(people)
    child, elder = model.child_age, model.elder_age

    income = sum((p.income for p in people), ZERO)
    expense = sum((p.expense for p in people), ZERO)
    financial = sum((p.financial for p in people if p.financial is not None), ZERO)
    properties = sum(p.properties for p in people)
    vehicles = sum(p.vehicles for p in people)
    severe_count = sum(p.severe for p in people) + sum(p.serious for p in people)
    chronic_count = sum(p.chronic for p in people)
    disabled_elders = sum(1 for p in people if p.age >= elder and p.disabled and not p.severe)
    children = sum(1 for p in people if p.age < child)
    elders = sum(1 for p in people if p.age >= elder)
    working = [p for p in people if child <= p.age < elder]
    unable = sum(1 for p in working if p.severe or p.serious)
    able_working = len(working) - unable
    unemployed = sum(1 for p in working if not (p.severe or p.serious) and not p.employed)
    earner_died = any(
        m.death_date is not None and recent_start < m.death_date <= on
        and child <= age_on(m.birth_date, m.death_date) < elder
        for m in members)
    emergency = any(p.big_bill for p in people) or earner_died
    children_alone = children > 0 and not working

    covered = any(b.programme in COVERAGE_PROGRAMMES and b.status in PAID_STATUSES for b in benefits)
    dibao_active = any(b.programme in (Programme.DIBAO, Programme.TEKUN) and b.status == BenefitStatus.ACTIVE
                       for b in benefits)
    dibian_active = any(b.programme == Programme.DIBIAN and b.status == BenefitStatus.ACTIVE for b in benefits)

    pci = q2(income / (12 * n))
    r = q4(pci / standard)
    if income > 0:
        e = q4(min(expense / income, RATIO_CAP))
    else:
        e = D(1) if expense > 0 else ZERO
        e = q4(e)
    a = q4(min(financial / (n * model.asset_multiplier * 12 * standard), RATIO_CAP))

    if r <= model.income_full_ratio:
        d_income = HUNDRED
    elif r >= model.income_zero_ratio:
        d_income = ZERO
    else:
        d_income = q2(HUNDRED * (model.income_zero_ratio - r) / (model.income_zero_ratio - model.income_full_ratio))
    d_expense = q2(min(HUNDRED, e * HUNDRED / model.expense_full_share))
    d_assets = ZERO if properties >= 2 or vehicles >= 1 else q2((1 - min(a, D(1))) * HUNDRED)
    d_health = q2(min(HUNDRED, model.severe_points * severe_count
                      + model.chronic_points * (chronic_count + disabled_elders)))
    d_dependency = q2(HUNDRED * (children + elders + unable) / n)
    d_employment = q2(HUNDRED * unemployed / able_working) if able_working > 0 else ZERO
    index = q2(model.w_income * d_income + model.w_expense * d_expense + model.w_assets * d_assets
               + model.w_health * d_health + model.w_dependency * d_dependency
               + model.w_employment * d_employment)

    eligible = pci < standard and a <= 1 and properties < 2 and vehicles == 0
    if (eligible and not covered) or index >= model.red_threshold:
        colour = Colour.RED
    elif index >= model.yellow_threshold:
        colour = Colour.YELLOW
    else:
        colour = Colour.GREEN

    if emergency:
        main_type = MainType.EMERGENCY
    elif expense > 0 and e >= model.expense_full_share:
        main_type = MainType.EXPENDITURE
    elif pci < standard:
        main_type = MainType.INCOME
    elif disabled_elders > 0 or severe_count > 0 or children_alone:
        main_type = MainType.CARE
    elif unemployed > 0 and 1 <= r <= model.development_max_ratio:
        main_type = MainType.DEVELOPMENT
    else:
        main_type = MainType.NONE

    review_needed = (dibao_active and pci > standard) or (dibian_active and r > model.dibian_ratio)

    return Score(
        standard=standard, member_count=n, income_12m=income, per_capita_income=pci, income_ratio=r,
        expense_12m=expense, expense_share=e, financial_assets=financial, asset_ratio=a,
        properties=properties, vehicles=vehicles, severe_count=severe_count, chronic_count=chronic_count,
        disabled_elders=disabled_elders, children=children, elders=elders, unable=unable,
        able_working=able_working, unemployed=unemployed, emergency=emergency, children_alone=children_alone,
        eligible=eligible, covered=covered, review_needed=review_needed,
        d_income=d_income, d_expense=d_expense, d_assets=d_assets, d_health=d_health,
        d_dependency=d_dependency, d_employment=d_employment, difficulty_index=index,
        colour=str(colour), main_type=str(main_type),
    )
