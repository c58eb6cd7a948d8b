"""The one reader of department facts: what a person's current facts say on a day.

``facts_for(person_ids, window)`` (Python, a few persons: the verification report, the benefit
computation, a score's explain path) and ``person_facts_sql(target)`` (its set-based twin: the
bulk scoring statement, and every rule to come) are the only code that interprets department
records. ``tests/platform/test_facts_reader.py`` (hypothesis) holds the two equal. Only facts
with ``status = 'current'`` count; only the canonical attribute values ``facts.schema`` declares
are read (an integer grade, JSON booleans): whatever else a record carries is never interpreted.

What each field means, for the window of a check on day D (``facts.windows``; "valid on D" is
``period_start <= D <= period_end``, an open end being ``schema.OPEN_END``):

- ``income_by_month``: the 12 window months (their first days, oldest first) → the ``income`` and
  ``pension`` amounts whose period starts in that month, summed over sources and employers;
  ``income_12m`` their total (``pension_12m`` its pension part). Monthly income is
  ``income_12m / 12``, kept exact by whoever divides.
- ``medical_12m`` / ``education_12m``: expenses dated (``period_start``) in the income window.
- ``financial_assets``: per source and account, the latest balance dated (``period_end``) on or
  before D and not before the window's start (ties: the later ``period_start``, then the later
  row), summed; ``None`` when there is no balance at all.
- ``properties``: real estate held on D that is not the family home (``is_home`` false or
  absent); ``home_count`` the ones that are. ``vehicles``: vehicles held on D not ``exempt``
  (``exempt_vehicles`` the exempt ones).
- ``disability_grade``: the best (lowest) grade 1–4 of the certificates valid on D, with the
  category of that certificate (the first category code when two of that grade are valid);
  ``disabled`` any certificate valid on D; ``severe`` a grade 1 or 2 valid on D.
- ``serious_illness`` / ``chronic_illness`` / ``missing`` / ``migrant_work``: a fact valid on D.
- ``custody``: the kind (code) of a custody valid on D (the first code when several; ``other``
  for one sent without a kind).
- ``employed``: an ``employment`` or ``social_insurance`` fact valid at some day of the recent
  period (``recent_start < day <= D``): the difficulty index's "no job and no contributions in
  the recent period" is ``not employed``.
- ``max_recent_medical``: the largest medical expense dated in the recent period (a programme
  compares it with its own threshold, e.g. 急难型's large bill), ``None`` when there is none.
- ``enrolment_status``: the status of the school enrolment valid on D that started last (ties:
  the last status code); ``enrolled`` for one sent without a status; ``None`` when none is valid.
- ``died_on``: the earliest death event on or before D.
- What makes a parent unable to raise a child (民发〔2019〕62号, POLICY.md "Child welfare"):
  ``custody_6m`` a custody valid on D whose term lasts six months or more (its end on or after
  its start plus six calendar months, PostgreSQL's ``date + interval '6 months'``; an open end
  counts); ``missing_6m`` a missing (失联) fact valid on D whose ``police_report_on`` is more than
  six months before D (D after that date plus six months); ``declared_dead`` / ``declared_missing``
  a court declaration of death / missing on or before D; ``guardianship_revoked`` and
  ``deported`` such an event on or before D. Events count however long ago they happened.
- ``sources``: the departments whose facts counted in any field above (display only).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .schema import json_text
from .windows import MONTHS, Window, month_start

ZERO = Decimal(0)
CURRENT = "current"
MONTHLY_KINDS = ("income", "pension")


@dataclass(frozen=True)
class Fact:
    """One current department fact as the reader needs it (a ``DepartmentRecord`` row)."""

    kind: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal | None = None
    attributes: dict = field(default_factory=dict)
    source: str = ""
    id: int = 0


@dataclass
class PersonFacts:
    person_id: int
    income_by_month: dict[dt.date, Decimal]
    income_12m: Decimal = ZERO
    pension_12m: Decimal = ZERO
    medical_12m: Decimal = ZERO
    education_12m: Decimal = ZERO
    financial_assets: Decimal | None = None
    properties: int = 0
    home_count: int = 0
    vehicles: int = 0
    exempt_vehicles: int = 0
    disability_grade: int | None = None
    disability_category: str | None = None
    disabled: bool = False
    severe: bool = False
    serious_illness: bool = False
    chronic_illness: bool = False
    custody: str | None = None
    missing: bool = False
    migrant_work: bool = False
    employed: bool = False
    max_recent_medical: Decimal | None = None
    enrolment_status: str | None = None
    died_on: dt.date | None = None
    custody_6m: bool = False
    missing_6m: bool = False
    declared_dead: bool = False
    declared_missing: bool = False
    guardianship_revoked: bool = False
    deported: bool = False
    sources: list[str] = field(default_factory=list)
    # Display only (the report lists them; not in the SQL twin): the items held on D.
    real_estate_items: list[dict] = field(default_factory=list)
    vehicle_items: list[dict] = field(default_factory=list)

    @property
    def income_kind_12m(self) -> Decimal:
        """The ``income`` part of ``income_12m`` (wages and other income, pensions apart)."""
        return self.income_12m - self.pension_12m

    @property
    def expense_12m(self) -> Decimal:
        return self.medical_12m + self.education_12m

    def comparable(self) -> dict:
        """The fields the SQL twin gives, for comparing the two."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("real_estate_items", "vehicle_items")}
        out["income_by_month"] = [self.income_by_month[m] for m in sorted(self.income_by_month)]
        out["expense_12m"] = self.expense_12m
        return out


# --- reading canonical values (the SQL twin reads them the same way) ---------------------------

def _true(attributes: dict, key: str) -> bool:
    return isinstance(attributes, dict) and attributes.get(key) is True


def _grade(attributes: dict) -> int | None:
    g = attributes.get("grade") if isinstance(attributes, dict) else None
    return g if type(g) is int and 1 <= g <= 4 else None


def _code(attributes: dict, key: str) -> str | None:
    v = attributes.get(key) if isinstance(attributes, dict) else None
    return v if isinstance(v, str) else None


def plus_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's last (31 August + 6
    months is 28 or 29 February): PostgreSQL's ``date + make_interval(months => n)``."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _date(attributes: dict, key: str) -> dt.date | None:
    """A canonical date attribute ('YYYY-MM-DD', as the import stores it)."""
    v = _code(attributes, key)
    if v is None or not _ISO_DATE.fullmatch(v):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CHILD_SUPPORT_MONTHS = 6  # custody term and time out of contact that count (民发〔2019〕62号)
EVENT_KINDS = ("death", "court_declaration", "guardianship_revoked", "deported")


def _account(attributes: dict) -> str:
    """What ``coalesce(attributes ->> 'account', '')`` gives."""
    v = attributes.get("account") if isinstance(attributes, dict) else None
    return "" if v is None else json_text(v)


_BRIEF = ("type", "area", "plate_masked", "model", "reason")


def derive(person_id: int, facts: Iterable[Fact], window: Window) -> PersonFacts:
    """One person's ``PersonFacts`` from their *current* facts (the caller filters the status)."""
    on = window.as_of
    months = window.months
    p = PersonFacts(person_id=person_id, income_by_month={m: ZERO for m in months})
    sources: set[str] = set()
    balances: dict[tuple[str, str], tuple] = {}
    best: tuple[int, str] | None = None
    enrolment: tuple[str, str] | None = None
    custody: list[str] = []
    for f in facts:
        if f.period_start > on:
            continue
        kind, attrs = f.kind, f.attributes if isinstance(f.attributes, dict) else {}
        amount = f.amount if f.amount is not None else ZERO
        in_income = window.in_income_window(f.period_start)
        valid = f.period_end >= on
        counted = False
        if kind in MONTHLY_KINDS:
            if in_income:
                m = month_start(f.period_start)
                p.income_by_month[m] += amount
                p.income_12m += amount
                if kind == "pension":
                    p.pension_12m += amount
                counted = True
        elif kind == "medical_expense":
            if in_income:
                p.medical_12m += amount
                counted = True
            if window.recent(f.period_start):
                p.max_recent_medical = amount if p.max_recent_medical is None else max(p.max_recent_medical, amount)
                counted = True
        elif kind == "education_expense":
            if in_income:
                p.education_12m += amount
                counted = True
        elif kind == "financial_assets":
            if window.income_start <= f.period_end <= on:
                key = (f.source, _account(attrs))
                rank = (f.period_end, f.period_start, f.id)
                if key not in balances or rank > balances[key][0]:
                    balances[key] = (rank, amount)
                counted = True
        elif kind == "real_estate":
            if valid:
                home = _true(attrs, "is_home")
                if home:
                    p.home_count += 1
                else:
                    p.properties += 1
                p.real_estate_items.append({"is_home": home, **{k: attrs[k] for k in _BRIEF if k in attrs}})
                counted = True
        elif kind == "vehicle":
            if valid:
                exempt = _true(attrs, "exempt")
                if exempt:
                    p.exempt_vehicles += 1
                else:
                    p.vehicles += 1
                p.vehicle_items.append({"exempt": exempt, **{k: attrs[k] for k in _BRIEF if k in attrs}})
                counted = True
        elif kind == "disability":
            if valid:
                p.disabled = True
                grade = _grade(attrs)
                if grade is not None:
                    cand = (grade, _code(attrs, "category") or "")
                    best = cand if best is None or cand < best else best
                counted = True
        elif kind in ("serious_illness", "chronic_illness", "migrant_work"):
            if valid:
                setattr(p, kind, True)
                counted = True
        elif kind == "missing":
            if valid:
                p.missing = True
                reported = _date(attrs, "police_report_on")
                if reported is not None and on > plus_months(reported, CHILD_SUPPORT_MONTHS):
                    p.missing_6m = True
                counted = True
        elif kind == "custody":
            if valid:
                custody.append(_code(attrs, "custody_kind") or "other")
                if f.period_end >= plus_months(f.period_start, CHILD_SUPPORT_MONTHS):
                    p.custody_6m = True
                counted = True
        elif kind == "court_declaration":
            declaration = _code(attrs, "declaration")
            if declaration == "death":
                p.declared_dead = True
            elif declaration == "missing":
                p.declared_missing = True
            counted = True
        elif kind in ("guardianship_revoked", "deported"):
            setattr(p, kind, True)
            counted = True
        elif kind in ("employment", "social_insurance"):
            if f.period_end > window.recent_start:
                p.employed = True
                counted = True
        elif kind == "school_enrolment":
            if valid:
                cand = (f.period_start.isoformat(), _code(attrs, "status") or "enrolled")
                enrolment = cand if enrolment is None or cand > enrolment else enrolment
                counted = True
        elif kind == "death":
            p.died_on = f.period_start if p.died_on is None else min(p.died_on, f.period_start)
            counted = True
        if counted:
            sources.add(f.source)
    if balances:
        p.financial_assets = sum((amount for _rank, amount in balances.values()), ZERO)
    if best is not None:
        p.disability_grade, p.disability_category = best[0], best[1] or None
        p.severe = best[0] <= 2
    if custody:
        p.custody = min(custody)
    if enrolment is not None:
        p.enrolment_status = enrolment[1]
    p.sources = sorted(sources)
    return p


def facts_for(person_ids: Iterable[int], window: Window) -> dict[int, PersonFacts]:
    """Every listed person's facts for ``window`` (a person without facts gets empty ones)."""
    from civilaffairs.registry.models import DepartmentRecord

    ids = list(dict.fromkeys(person_ids))
    by_person: dict[int, list[Fact]] = {pid: [] for pid in ids}
    rows = (DepartmentRecord.objects
            .filter(person_id__in=ids, status=CURRENT, period_start__lte=window.as_of)
            .order_by("person_id", "id")
            .values_list("person_id", "id", "source", "kind", "period_start", "period_end", "amount", "attributes"))
    for pid, rid, source, kind, start, end, amount, attributes in rows:
        by_person[pid].append(Fact(kind=kind, period_start=start, period_end=end, amount=amount,
                                   attributes=attributes, source=source, id=rid))
    return {pid: derive(pid, by_person[pid], window) for pid in ids}


# --- the set-based twin ----------------------------------------------------------------------

# The columns of ``person_facts_sql``, in order (``PersonFacts.comparable`` has the same keys).
SQL_COLUMNS = (
    "person_id", "income_by_month", "income_12m", "pension_12m", "medical_12m", "education_12m",
    "expense_12m", "financial_assets", "properties", "home_count", "vehicles", "exempt_vehicles",
    "disability_grade", "disability_category", "disabled", "severe", "serious_illness", "chronic_illness", "custody",
    "missing",
    "migrant_work", "employed", "max_recent_medical", "enrolment_status", "died_on",
    "custody_6m", "missing_6m", "declared_dead", "declared_missing", "guardianship_revoked", "deported", "sources",
)

_IN_INCOME = "d.period_start >= %(income_start)s AND d.period_start <= %(income_end)s"
_VALID = "d.period_end >= %(on)s"
_BALANCE = "d.period_end >= %(income_start)s AND d.period_end <= %(on)s"
_MONTH_INDEX = ("((extract(year FROM d.period_start) * 12 + extract(month FROM d.period_start))"
                " - (extract(year FROM %(income_start)s::date) * 12 + extract(month FROM %(income_start)s::date)))")
_GRADE_OK = ("jsonb_typeof(d.attributes -> 'grade') = 'number' AND d.attributes ->> 'grade' IN ('1', '2', '3', '4')")


def _text_code(key: str) -> str:
    return f"CASE WHEN jsonb_typeof(d.attributes -> '{key}') = 'string' THEN d.attributes ->> '{key}' END"


# Which rows a field reads (the same cases as ``derive``): a row that counts names its source.
_COUNTED = f"""CASE
    WHEN d.kind IN ('income', 'pension', 'education_expense') THEN {_IN_INCOME}
    WHEN d.kind = 'medical_expense' THEN ({_IN_INCOME}) OR d.period_start > %(recent_start)s
    WHEN d.kind = 'financial_assets' THEN d.period_end >= %(income_start)s AND d.period_end <= %(on)s
    WHEN d.kind IN ('real_estate', 'vehicle', 'disability', 'serious_illness', 'chronic_illness', 'missing',
                    'migrant_work', 'custody', 'school_enrolment') THEN {_VALID}
    WHEN d.kind IN ('employment', 'social_insurance') THEN d.period_end > %(recent_start)s
    WHEN d.kind IN ('death', 'court_declaration', 'guardianship_revoked', 'deported') THEN true
    ELSE false END"""


def person_facts_sql(target: str) -> str:
    """A SELECT (a CTE body) with one row per person who has a current fact starting on or before
    D among the records that ``target`` admits — a condition on ``{col}``, the record's person id
    (e.g. ``{col} BETWEEN %(pmin)s AND %(pmax)s``, or ``{col} IN (SELECT …)``) — with the columns
    ``SQL_COLUMNS`` meaning what ``derive`` computes. Parameters: ``Window.sql_params()``. A
    person without such a fact has no row: read a missing row as ``derive`` of no facts (zeros,
    ``false``, ``NULL``; ``income_by_month`` twelve zeros). Columns a query does not use cost
    nothing once PostgreSQL inlines the CTE (unused subquery outputs are not computed)."""
    cond = target.replace("{col}", "d.person_id")
    months = ", ".join(
        f"coalesce(sum(CASE WHEN d.kind IN ('income', 'pension') AND {_IN_INCOME} AND {_MONTH_INDEX} = {k}"
        f" THEN d.amount END), 0)" for k in range(MONTHS))
    return f"""
SELECT a.person_id, a.income_by_month, a.income_12m, a.pension_12m, a.medical_12m, a.education_12m,
       a.expense_12m,
       -- the latest balance per source and account, summed: one balance in the window is its own
       -- latest; only a person with more is looked up again (a subplan run for them alone)
       CASE WHEN a.balances = 1 THEN a.balance_sum
            WHEN a.balances > 1 THEN (
                SELECT sum(b.amount)
                FROM (SELECT DISTINCT ON (d.source, coalesce(d.attributes ->> 'account', ''))
                             coalesce(d.amount, 0) AS amount
                      FROM registry_departmentrecord d
                      WHERE d.person_id = a.person_id AND d.kind = 'financial_assets' AND d.status = 'current'
                        AND d.period_end >= %(income_start)s AND d.period_end <= %(on)s
                      ORDER BY d.source, coalesce(d.attributes ->> 'account', ''), d.period_end DESC,
                               d.period_start DESC, d.id DESC) b) END AS financial_assets,
       (a.estates %% 65536)::int AS properties, (a.estates / 65536)::int AS home_count,
       (a.cars %% 65536)::int AS vehicles, (a.cars / 65536)::int AS exempt_vehicles,
       left(a.best_disability, 1)::int AS disability_grade,
       nullif(substr(a.best_disability, 3), '') AS disability_category,
       a.flags & 1 <> 0 AS disabled, coalesce(a.best_disability < '3', false) AS severe,
       a.flags & 4 <> 0 AS serious_illness, a.flags & 8 <> 0 AS chronic_illness, a.custody,
       a.flags & 64 <> 0 AS missing, a.flags & 128 <> 0 AS migrant_work, a.flags & 16 <> 0 AS employed,
       a.max_recent_medical, substr(a.enrolment, 11) AS enrolment_status, a.died_on,
       a.support & 1 <> 0 AS custody_6m, a.support & 2 <> 0 AS missing_6m, a.support & 4 <> 0 AS declared_dead,
       a.support & 8 <> 0 AS declared_missing, a.support & 16 <> 0 AS guardianship_revoked,
       a.support & 32 <> 0 AS deported, a.sources
FROM (
    SELECT d.person_id,
        ARRAY[{months}] AS income_by_month,
        coalesce(sum(CASE WHEN d.kind IN ('income', 'pension') AND {_IN_INCOME} THEN d.amount END), 0) AS income_12m,
        coalesce(sum(CASE WHEN d.kind = 'pension' AND {_IN_INCOME} THEN d.amount END), 0) AS pension_12m,
        coalesce(sum(CASE WHEN d.kind = 'medical_expense' AND {_IN_INCOME} THEN d.amount END), 0) AS medical_12m,
        coalesce(sum(CASE WHEN d.kind = 'education_expense' AND {_IN_INCOME} THEN d.amount END), 0)
          AS education_12m,
        coalesce(sum(CASE WHEN d.kind IN ('medical_expense', 'education_expense') AND {_IN_INCOME}
                          THEN d.amount END), 0) AS expense_12m,
        count(*) FILTER (WHERE d.kind = 'financial_assets' AND {_BALANCE}) AS balances,
        sum(coalesce(d.amount, 0)) FILTER (WHERE d.kind = 'financial_assets' AND {_BALANCE}) AS balance_sum,
        -- counts packed two to an integer sum: non-home properties + 65536 × homes, non-exempt
        -- vehicles + 65536 × exempt ones (integer sums are cheap; a numeric one is not)
        coalesce(sum(CASE WHEN d.kind = 'real_estate' AND {_VALID}
                          THEN CASE WHEN d.attributes -> 'is_home' = 'true'::jsonb THEN 65536 ELSE 1 END END), 0)
          AS estates,
        coalesce(sum(CASE WHEN d.kind = 'vehicle' AND {_VALID}
                          THEN CASE WHEN d.attributes -> 'exempt' = 'true'::jsonb THEN 65536 ELSE 1 END END), 0)
          AS cars,
        -- yes/no facts packed into one bit_or: 1 disabled, 4 serious, 8 chronic, 16 employed
        -- (recently), 64 missing, 128 away for work
        coalesce(bit_or(CASE
            WHEN d.kind IN ('employment', 'social_insurance') THEN
                 CASE WHEN d.period_end > %(recent_start)s THEN 16 ELSE 0 END
            WHEN d.period_end < %(on)s THEN 0
            ELSE CASE d.kind WHEN 'disability' THEN 1 WHEN 'serious_illness' THEN 4 WHEN 'chronic_illness' THEN 8
                             WHEN 'missing' THEN 64 WHEN 'migrant_work' THEN 128 ELSE 0 END END), 0) AS flags,
        -- the best certificate as 'grade:category' (the lowest text is the lowest grade)
        min(CASE WHEN d.kind = 'disability' AND {_VALID} AND {_GRADE_OK}
                 THEN ((d.attributes ->> 'grade') || ':' || coalesce({_text_code("category")}, '')) COLLATE "C" END)
          AS best_disability,
        min(CASE WHEN d.kind = 'custody' AND {_VALID}
                 THEN coalesce({_text_code("custody_kind")}, 'other') COLLATE "C" END)
          AS custody,
        max(CASE WHEN d.kind = 'medical_expense' AND d.period_start > %(recent_start)s THEN coalesce(d.amount, 0) END)
          AS max_recent_medical,
        -- the enrolment that started last as 'YYYY-MM-DD' || status
        max(CASE WHEN d.kind = 'school_enrolment' AND {_VALID}
                 THEN to_char(d.period_start, 'YYYY-MM-DD')
                      || coalesce({_text_code("status")}, 'enrolled') COLLATE "C" END)
          AS enrolment,
        min(CASE WHEN d.kind = 'death' THEN d.period_start END) AS died_on,
        -- what makes a parent unable to raise a child, packed: 1 custody of six months or more,
        -- 2 out of contact more than six months after the police report, 4 / 8 declared dead /
        -- missing by a court, 16 guardianship revoked, 32 deported
        coalesce(bit_or(CASE
            WHEN d.kind = 'court_declaration' THEN CASE {_text_code("declaration")} WHEN 'death' THEN 4
                                                        WHEN 'missing' THEN 8 ELSE 0 END
            WHEN d.kind = 'guardianship_revoked' THEN 16
            WHEN d.kind = 'deported' THEN 32
            WHEN d.period_end < %(on)s THEN 0
            WHEN d.kind = 'custody' THEN
                 CASE WHEN d.period_end >= (d.period_start + make_interval(months => {CHILD_SUPPORT_MONTHS}))::date
                      THEN 1 ELSE 0 END
            -- nested: the cast is evaluated only for a canonical 'YYYY-MM-DD' string
            WHEN d.kind = 'missing' THEN
                 CASE WHEN {_text_code("police_report_on")} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN
                      CASE WHEN %(on)s::date > ((d.attributes ->> 'police_report_on')::date
                                                + make_interval(months => {CHILD_SUPPORT_MONTHS}))::date
                           THEN 2 ELSE 0 END
                      ELSE 0 END
            ELSE 0 END), 0) AS support,
        coalesce(array_agg(DISTINCT d.source::text) FILTER (WHERE {_COUNTED}), ARRAY[]::text[]) AS sources
    FROM registry_departmentrecord d
    WHERE d.status = 'current' AND {cond} AND d.period_start <= %(on)s
      -- redundant with every field's own window (each needs an end on or after the earlier of the
      -- window's and the recent period's start, or is a death): rows of earlier years are dropped
      -- before they reach the aggregate
      AND (d.period_end >= least(%(income_start)s::date, %(recent_start)s::date)
           OR d.kind IN ('death', 'court_declaration', 'guardianship_revoked', 'deported'))
    GROUP BY d.person_id
) a
"""


def facts_for_sql(person_ids: Iterable[int], window: Window) -> dict[int, dict]:
    """The SQL twin's rows for a few persons, keyed by person id (persons without a row get
    ``derive``'s empty facts): what the property test compares with ``facts_for``."""
    from django.db import connection

    ids = list(dict.fromkeys(person_ids))
    sql = person_facts_sql("{col} = ANY(%(person_ids)s::bigint[])")
    with connection.cursor() as cur:
        cur.execute(sql, {**window.sql_params(), "person_ids": ids})
        names = [c.name for c in cur.description]
        rows = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    out = {}
    for pid in ids:
        row = rows.get(pid) or derive(pid, (), window).comparable()
        out[pid] = {**row, "income_by_month": list(row["income_by_month"]), "sources": sorted(row["sources"])}
    return out
