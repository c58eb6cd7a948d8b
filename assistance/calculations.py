"""Benefit arithmetic. Pure functions over member facts and parameter values, so the
decision letter can show every step and tests can check every case by hand.

POLICY.md "Arithmetic": every amount comes from exact totals and is rounded once, half up, to
the fen; every line ("below the standard", "below 2×") is decided on exact values. A member's
income is kept as the exact 12-month total the verification report found (``income_12m``), so
the household's monthly income is ``Σ income_12m ÷ 12`` and its per-capita income
``Σ income_12m ÷ (12 × n)`` — compared as ``Σ income_12m < 12 × n × standard``, never through a
rounded per-capita figure. Rounded figures appear in the lines only."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from civilaffairs.lib.money import to_money
from civilaffairs.registry.selectors import parameter_rows

from .models import Programme, SelfCare

PARAMETER_KEYS = (
    "dibao_standard", "dibian_multiplier", "tekun_basic_standard", "tekun_care_full", "tekun_care_partial",
    "tekun_care_self", "temporary_aid_default",
)


MONTHS = 12


@dataclass(frozen=True)
class MemberFacts:
    name: str
    monthly_income: Decimal
    severely_disabled_or_ill: bool = False
    can_work: bool = True
    self_care: str = SelfCare.SELF
    # The exact income of the 12-month window (the verification report's ``income_12m``); when
    # absent (a declared income only), ``monthly_income`` × 12.
    income_12m: Decimal | None = None
    person_id: int | None = None

    @property
    def annual(self) -> Decimal:
        return self.income_12m if self.income_12m is not None else Decimal(self.monthly_income) * MONTHS


def member_facts_from_report(verified: dict, *, name: str, declared_income: Decimal = Decimal(0),
                             declared_ill: bool = False, declared_grade: int | None = None, can_work: bool = True,
                             self_care: str = SelfCare.SELF, person_id: int | None = None) -> MemberFacts:
    """A member's facts as the sealed verification report found them (``verified``: one entry of
    ``content["members"]``, empty when the report has none): the exact 12-month income when the
    report carries it (reports sealed before it did carry the rounded monthly figure only)."""
    grade = verified.get("disability_grade") or declared_grade
    return MemberFacts(
        name=name, monthly_income=Decimal(verified.get("verified_monthly_income", declared_income)),
        income_12m=Decimal(verified["income_12m"]) if "income_12m" in verified else None,
        person_id=person_id if person_id is not None else verified.get("person_id"),
        severely_disabled_or_ill=bool(verified.get("serious_illness") or declared_ill or (grade and grade <= 2)),
        can_work=can_work, self_care=self_care)


@dataclass
class Computation:
    programme: str
    eligible: bool
    monthly_amount: Decimal = Decimal("0.00")
    one_off_amount: Decimal = Decimal("0.00")
    members_covered: int = 0
    per_capita_income: Decimal = Decimal("0.00")
    lines: list[str] = field(default_factory=list)
    # 单人户: the members covered as one-person households (their person ids), so that a review
    # reads the covered member's own situation, not the household's per-capita income.
    single_person_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "programme": self.programme, "eligible": self.eligible, "monthly_amount": str(self.monthly_amount),
            "one_off_amount": str(self.one_off_amount), "members_covered": self.members_covered,
            "per_capita_income": str(self.per_capita_income), "lines": self.lines,
            "single_person_ids": self.single_person_ids,
        }


def load_parameters(*, region_code: str, on: dt.date, rows: dict | None = None) -> dict:
    """The parameter values in force, with where each came from (recorded with every decision).
    ``rows``: ``parameter_rows`` the caller already read for these keys, region and date."""
    rows = rows or parameter_rows(keys=PARAMETER_KEYS, region_code=region_code, on=on)
    return {key: {"value": str(rows[key].value), "region": rows[key].region_id,
                  "effective_from": rows[key].effective_from.isoformat()} for key in PARAMETER_KEYS}


def _p(params: dict, key: str) -> Decimal:
    return Decimal(params[key]["value"])


def annual_income(members: list[MemberFacts]) -> Decimal:
    """The household's exact income of the 12-month window."""
    return sum((m.annual for m in members), Decimal("0"))


def per_capita_income(members: list[MemberFacts]) -> tuple[Decimal, Decimal]:
    """(household monthly income, per-capita monthly income), rounded for display only."""
    annual = annual_income(members)
    return to_money(annual / MONTHS), to_money(annual / (MONTHS * len(members))) if members else Decimal("0.00")


def compute_dibao(members: list[MemberFacts], params: dict) -> Computation:
    standard = _p(params, "dibao_standard")
    annual = annual_income(members)
    total, pci = per_capita_income(members)
    n = len(members)
    c = Computation(programme=Programme.DIBAO, eligible=False, per_capita_income=pci)
    c.lines.append(f"家庭月收入合计 {total} 元 ÷ {n} 人 = 人均月收入 {pci} 元")
    c.lines.append(f"低保标准 {to_money(standard)} 元/人·月（{params['dibao_standard']['region']}，"
                   f"自 {params['dibao_standard']['effective_from']} 起执行）")
    if n and annual < MONTHS * n * standard:  # per-capita income below the standard, exactly
        c.eligible = True
        c.members_covered = n
        # (standard × covered members) − their monthly income, exact, rounded once
        c.monthly_amount = to_money(standard * n - annual / MONTHS)
        c.lines.append(f"补差：{to_money(standard)} × {n} 人 − 家庭月收入 {total} = {c.monthly_amount} 元/月")
        return c
    c.lines.append(f"人均月收入 {pci} 元不低于低保标准，家庭整体不符合低保条件")
    # 单人户: a severely ill or disabled member may be covered as a one-person household.
    singles = [m for m in members if m.severely_disabled_or_ill and m.annual < MONTHS * standard]
    for m in singles:
        amount = to_money(standard - m.annual / MONTHS)
        c.monthly_amount += amount
        c.members_covered += 1
        if m.person_id is not None:
            c.single_person_ids.append(m.person_id)
        c.lines.append(f"{m.name} 为重病/重度残疾人员，按单人户纳入：{to_money(standard)} − "
                       f"{to_money(m.annual / MONTHS)} = {amount} 元/月")
    c.eligible = bool(singles)
    if singles:
        c.lines.append(f"单人户保障合计 {c.monthly_amount} 元/月")
    return c


def compute_dibian(members: list[MemberFacts], params: dict) -> Computation:
    standard = _p(params, "dibao_standard")
    multiplier = _p(params, "dibian_multiplier")
    annual = annual_income(members)
    total, pci = per_capita_income(members)
    n = len(members)
    line = to_money(standard * multiplier)
    below_standard = annual < MONTHS * n * standard
    below_line = annual < MONTHS * n * standard * multiplier
    c = Computation(programme=Programme.DIBIAN, eligible=bool(n) and not below_standard and below_line,
                    per_capita_income=pci, members_covered=n)
    c.lines.append(f"人均月收入 {pci} 元；低保边缘线 = {to_money(standard)} × {multiplier} = {line} 元")
    if c.eligible:
        c.lines.append("人均收入高于低保标准、低于低保边缘线：认定为低保边缘家庭，可享受医疗、教育、住房等专项救助")
    elif below_standard:
        c.lines.append("人均收入低于低保标准：应按低保认定")
    else:
        c.lines.append("人均收入不低于低保边缘线：不符合低保边缘条件")
    return c


_CARE_KEY = {SelfCare.FULL: "tekun_care_full", SelfCare.PARTIAL: "tekun_care_partial",
             SelfCare.SELF: "tekun_care_self"}


def compute_tekun(members: list[MemberFacts], params: dict) -> Computation:
    basic = _p(params, "tekun_basic_standard")
    c = Computation(programme=Programme.TEKUN, eligible=False)
    for m in members:
        if m.can_work or m.annual > 0:
            continue
        care = _p(params, _CARE_KEY[SelfCare(m.self_care)])
        amount = to_money(basic + care)
        c.members_covered += 1
        c.monthly_amount += amount
        c.lines.append(f"{m.name}：基本生活标准 {to_money(basic)} 元 + 照料护理补贴（{SelfCare(m.self_care).label}）"
                       f"{to_money(care)} 元 = {amount} 元/月")
    c.eligible = c.members_covered > 0
    if not c.eligible:
        c.lines.append("无符合特困条件（无劳动能力、无收入来源）的成员")
    return c


def compute_temporary(members: list[MemberFacts], params: dict, *, requested: Decimal | None = None) -> Computation:
    default = to_money(_p(params, "temporary_aid_default"))
    amount = to_money(requested) if requested is not None else default
    c = Computation(programme=Programme.TEMPORARY, eligible=amount > 0, one_off_amount=amount,
                    members_covered=len(members))
    c.lines.append(f"临时救助一次性金额 {amount} 元" + ("" if requested is not None else "（默认标准）"))
    return c


def compute(programme: str, members: list[MemberFacts], params: dict, *,
            requested_temporary: Decimal | None = None) -> Computation:
    if programme == Programme.DIBAO:
        return compute_dibao(members, params)
    if programme == Programme.DIBIAN:
        return compute_dibian(members, params)
    if programme == Programme.TEKUN:
        return compute_tekun(members, params)
    if programme == Programme.TEMPORARY:
        return compute_temporary(members, params, requested=requested_temporary)
    raise ValueError(f"unknown programme {programme!r}")
