"""The scoring rules for one household, in Python: the explain path.

The bulk path is ``sql.py``; both implement the rules below, and
``tests/assistance/scoring/test_property.py`` (hypothesis) proves they give the
same numbers. Change one, change the other — and publish a new model version
(``sql.SCORE_INPUT_COLUMNS``).

Department facts are read only through the platform's one reader
(``civilaffairs.registry.facts.reader``: ``derive``/``facts_for`` here, its SQL twin
``person_facts_sql`` in the bulk path), for the scoring date D and the model's recent
period (POLICY.md "Windows"):

- members: active ``HouseholdMember`` rows whose person is alive on D
  (``death_date`` empty or after D); a household with no living member, or no
  低保 standard in force for its community, is not scored (counted as failed);
- income (12 months): ``income_12m`` — income and pension of the 12 whole calendar
  months before D's month; the income line is ``12 × members × standard``, and every
  income boundary is decided on the exact total against a multiple of that line;
  per-capita monthly income and the ratio are rounded for display only;
- rigid expenditure (12 months): medical and education expenses dated in the window;
  share = expenditure ÷ income (1 when there is expenditure and no income; capped at
  9999.9999) for display, boundaries on exact values;
- financial assets: the reader's latest balance per account, summed over the
  household; the limit is ``members × asset_multiplier × 12 × standard``, compared
  exactly (a household 1 元 over is over);
- property: real estate held on D that is not the family home; any such property or
  a non-exempt vehicle held on D zeroes the asset dimension and rules out 低保;
- health: severe disability (a grade 1–2 certificate valid on D), serious and chronic
  illness valid on D; a disabled elder (失能老人) is a person aged ≥ elder_age with a
  certificate valid on D that is not severe (a severe one already counts 40 points);
- dependency: members under child_age, aged ≥ elder_age, or of working age and
  unable to work (severe disability or serious illness);
- employment: able working-age members with no job and no social-insurance
  contributions in the recent period (the reader's ``employed``);
- emergency (急难型): a medical expense dated in the recent period of at least
  emergency_medical_amount, or a member of working age who died in the recent period;
- coverage: a ``Benefit`` in 低保/特困/低边 with a paid status (享受中/渐退期);
  review (渐退) is needed when the rule an active benefit was granted under no longer
  holds, on exact values: an active 特困 or household 低保 with income not below the
  line; an active 单人户 低保 whose covered member's own income is not below 12 ×
  the standard (or who is no longer a living member) — the household's per-capita
  income does not matter for it; an active 低边 household not below dibian_ratio × the
  line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assistance.models import (
    COVERAGE_PROGRAMMES,
    PAID_STATUSES,
    BenefitStatus,
    Programme,
)

from civilaffairs.registry.facts.reader import PersonFacts

from .models import Colour, MainType

D = Decimal
ZERO = D(0)
HUNDRED = D(100)
RATIO_CAP = D("9999.9999")
MONTHS = 12


def q2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def q4(x: Decimal) -> Decimal:
    return x.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class MemberFact:
    birth_date: dt.date
    death_date: dt.date | None = None
    facts: PersonFacts | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class BenefitFact:
    programme: str
    status: str
    # 单人户: the persons a 低保 benefit covers as one-person households (``Computation``).
    single_person_ids: tuple[int, ...] = ()


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


def score_household(*, members: list[MemberFact], benefits: list[BenefitFact], standard: Decimal | None,
                    model, on: dt.date) -> Score | None:
    """Score one household, or ``None`` when it cannot be scored (no living member
    or no 低保 standard)."""
    alive = [m for m in members if m.death_date is None or m.death_date > on]
    if not alive or standard is None or standard <= 0:
        return None
    recent_start = on - dt.timedelta(days=model.recent_days)
    people = [(age_on(m.birth_date, on), m.facts) for m in alive]
    n = len(people)
    child, elder = model.child_age, model.elder_age

    income = sum((p.income_12m for _a, p in people), ZERO)
    expense = sum((p.expense_12m for _a, p in people), ZERO)
    financial = sum((p.financial_assets for _a, p in people if p.financial_assets is not None), ZERO)
    properties = sum(p.properties for _a, p in people)
    vehicles = sum(p.vehicles for _a, p in people)
    severe_count = sum(p.severe for _a, p in people) + sum(p.serious_illness for _a, p in people)
    chronic_count = sum(p.chronic_illness for _a, p in people)
    disabled_elders = sum(1 for a, p in people if a >= elder and p.disabled and not p.severe)
    children = sum(1 for a, _p in people if a < child)
    elders = sum(1 for a, _p in people if a >= elder)
    working = [p for a, p in people if child <= a < elder]
    unable = sum(1 for p in working if p.severe or p.serious_illness)
    able_working = len(working) - unable
    unemployed = sum(1 for p in working if not (p.severe or p.serious_illness) and not p.employed)
    earner_died = any(
        m.death_date is not None and recent_start < m.death_date <= on
        and child <= age_on(m.birth_date, m.death_date) < elder
        for m in members)
    emergency = earner_died or any(p.max_recent_medical is not None
                                   and p.max_recent_medical >= model.emergency_medical_amount for _a, p in people)
    children_alone = children > 0 and not working

    active = [b for b in benefits if b.status == BenefitStatus.ACTIVE]
    covered = any(b.programme in COVERAGE_PROGRAMMES and b.status in PAID_STATUSES for b in benefits)
    household_rule = any(b.programme == Programme.TEKUN
                         or (b.programme == Programme.DIBAO and not b.single_person_ids) for b in active)
    single_ids = {pid for b in active if b.programme == Programme.DIBAO for pid in b.single_person_ids}
    dibian_active = any(b.programme == Programme.DIBIAN for b in active)

    # The lines, exact: per-capita monthly income below k × standard ⇔ income_12m < k × line.
    line = MONTHS * n * standard
    asset_limit = n * model.asset_multiplier * MONTHS * standard
    pci = q2(income / (MONTHS * n))
    r = q4(income / line)
    if income > 0:
        e = q4(min(expense / income, RATIO_CAP))
    else:
        e = D(1) if expense > 0 else ZERO
        e = q4(e)
    a = q4(min(financial / asset_limit, RATIO_CAP))

    if income <= model.income_full_ratio * line:
        d_income = HUNDRED
    elif income >= model.income_zero_ratio * line:
        d_income = ZERO
    else:
        d_income = q2(HUNDRED * (model.income_zero_ratio * line - income)
                      / ((model.income_zero_ratio - model.income_full_ratio) * line))
    if income > 0:
        d_expense = q2(min(HUNDRED, HUNDRED * expense / (model.expense_full_share * income)))
        expense_heavy = expense > 0 and expense >= model.expense_full_share * income
    else:
        d_expense = q2(min(HUNDRED, HUNDRED / model.expense_full_share)) if expense > 0 else q2(ZERO)
        expense_heavy = expense > 0 and 1 >= model.expense_full_share
    if properties >= 1 or vehicles >= 1 or financial >= asset_limit:
        d_assets = q2(ZERO)
    else:
        d_assets = q2(HUNDRED * (asset_limit - financial) / asset_limit)
    d_health = q2(min(HUNDRED, model.severe_points * severe_count
                      + model.chronic_points * (chronic_count + disabled_elders)))
    d_dependency = q2(HUNDRED * (children + elders + unable) / n)
    d_employment = q2(HUNDRED * unemployed / able_working) if able_working > 0 else q2(ZERO)
    index = q2(model.w_income * d_income + model.w_expense * d_expense + model.w_assets * d_assets
               + model.w_health * d_health + model.w_dependency * d_dependency
               + model.w_employment * d_employment)

    below = income < line
    eligible = below and financial <= asset_limit and properties == 0 and vehicles == 0
    if (eligible and not covered) or index >= model.red_threshold:
        colour = Colour.RED
    elif index >= model.yellow_threshold:
        colour = Colour.YELLOW
    else:
        colour = Colour.GREEN

    if emergency:
        main_type = MainType.EMERGENCY
    elif expense_heavy:
        main_type = MainType.EXPENDITURE
    elif below:
        main_type = MainType.INCOME
    elif disabled_elders > 0 or severe_count > 0 or children_alone:
        main_type = MainType.CARE
    elif unemployed > 0 and line <= income <= model.development_max_ratio * line:
        main_type = MainType.DEVELOPMENT
    else:
        main_type = MainType.NONE

    own = [m.facts.income_12m for m in alive if m.person_id in single_ids]
    single_review = bool(single_ids) and (not own or max(own) >= MONTHS * standard)
    review_needed = ((household_rule and not below) or single_review
                     or (dibian_active and income >= model.dibian_ratio * line))

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
