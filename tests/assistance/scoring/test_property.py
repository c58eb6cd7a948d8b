"""One definition of the rules: the bulk SQL path and the Python explain path give
the same numbers for random households (hypothesis)."""
import datetime as dt
import uuid
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.models import Benefit
from assistance.scoring import sql
from assistance.scoring.selectors import household_explain_score
from civilaffairs.registry.facts import schema
from civilaffairs.registry.facts.windows import add_months, month_start, window
from civilaffairs.registry.models import DepartmentRecord, Person
from civilaffairs.registry.parameters import CATALOGUE

from .helpers import ON, batch, household, record

KINDS = ["income", "pension", "medical_expense", "education_expense", "financial_assets", "real_estate",
         "vehicle", "disability", "serious_illness", "chronic_illness", "employment", "social_insurance"]
# Scoring dates: month ends and starts (a check on the last day of a month reads the same 12 months
# as one on the first), a leap day, mid-month.
DATES = [ON, dt.date(2024, 7, 1), dt.date(2024, 7, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
         dt.date(2024, 5, 15), dt.date(2023, 12, 31)]
STANDARD = next(spec.default for spec in CATALOGUE if spec.key == "dibao_standard")
# Amounts aimed at the lines (issue 16): one member's month at the 低保 standard, 2× (低边) and 2.5×
# (the income dimension's zero), a year of them (a balance at the asset limit: 2 years of the
# standard per person), the 急难 medical amount — each exactly, a fen below and a fen above.
_LINES = [STANDARD, 2 * STANDARD, STANDARD * Decimal("2.5"), 12 * STANDARD, 24 * STANDARD, Decimal("20000")]
aimed = st.sampled_from([line + delta for line in _LINES for delta in (Decimal("-0.01"), 0, Decimal("0.01"))])
money = st.one_of(st.none(), aimed, st.decimals(min_value=0, max_value=60000, places=2, allow_nan=False))
# What departments send (the import canonicalises it: 二级 → 2, "false" → False).
RAW = {
    "disability": st.fixed_dictionaries({"等级": st.sampled_from([1, 2, 3, 4, "2", "3", "二级", "一级", "4级"])},
                                        optional={"类别": st.sampled_from(["肢体", "精神", "visual"])}),
    "vehicle": st.fixed_dictionaries({}, optional={"是否豁免": st.sampled_from(["是", "否", "true", "false", True,
                                                                           False, "0", "1", "yes", "no"]),
                                                   "plate": st.sampled_from(["浙B·1", "浙B·2"])}),
    "real_estate": st.fixed_dictionaries({}, optional={"自住": st.sampled_from(["是", "否", "false", True]),
                                                       "证号": st.sampled_from(["A", "B"])}),
    "financial_assets": st.fixed_dictionaries({}, optional={"账户": st.sampled_from(["1", "2"])}),
    "income": st.fixed_dictionaries({}, optional={"单位": st.sampled_from(["甲", "乙"])}),
    "medical_expense": st.fixed_dictionaries({}, optional={"票据号": st.sampled_from(["B1", "B2"])}),
}


def _edges(on: dt.date) -> list[dt.date]:
    w = window(on, recent_days=90)
    return [on, on - dt.timedelta(days=1), on + dt.timedelta(days=1), month_start(on),
            month_start(on) - dt.timedelta(days=1), w.income_start, w.income_start - dt.timedelta(days=1),
            add_months(on, -11), w.recent_start, w.recent_start + dt.timedelta(days=1)]


@st.composite
def record_st(draw):
    kind = draw(st.sampled_from(KINDS))
    return {
        "kind": kind,
        "attrs": schema.canonical_attributes(kind, draw(RAW[kind])) if kind in RAW else {},
        # starts and ends cluster on the window edges (income window, 90 days, the scoring date)
        "start": draw(st.one_of(st.tuples(st.integers(0, 9), st.just(0)),
                                st.tuples(st.integers(0, 9), st.integers(-400, 30)))),
        "end": draw(st.one_of(st.sampled_from(["open", "same", "on", "day_before", "month_end"]),
                              st.tuples(st.just("at"), st.integers(0, 9)), st.integers(0, 400))),
        "amount": draw(money),
        "status": draw(st.sampled_from(["current", "current", "current", "superseded", "revoked"])),
    }


member_st = st.fixed_dictionaries({
    "birth": st.dates(min_value=dt.date(1925, 1, 1), max_value=dt.date(2024, 6, 1)),
    "death": st.one_of(st.none(), st.none(), st.integers(min_value=-200, max_value=30), st.sampled_from([-90, -89, 0, 1])),
    "records": st.lists(record_st(), min_size=2, max_size=8),
})
household_st = st.fixed_dictionaries({
    "on": st.sampled_from(DATES),
    "members": st.lists(member_st, min_size=1, max_size=5),
    "benefits": st.dictionaries(st.sampled_from(["dibao", "dibian", "tekun", "temporary"]),
                                st.sampled_from(["active", "phaseout", "suspended", "ended"]), max_size=2),
    # 单人户: the members (by position) a 低保 benefit covers as one-person households
    "singles": st.lists(st.integers(0, 5), max_size=2),
})


def _period(r: dict, on: dt.date) -> tuple[dt.date, dt.date]:
    edges = _edges(on)
    start = edges[r["start"][0]] + dt.timedelta(days=r["start"][1])
    spec = r["end"]
    if isinstance(spec, tuple):
        end = edges[spec[1]]
    elif isinstance(spec, int):
        end = start + dt.timedelta(days=spec)
    else:
        end = {"open": schema.OPEN_END, "same": start, "on": on, "day_before": on - dt.timedelta(days=1),
               "month_end": add_months(start, 1) - dt.timedelta(days=1)}[spec]
    return start, max(start, end)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=household_st)
def test_bulk_and_explain_paths_agree(city, model, data):
    on = data["on"]
    hh, people = household(city.community, [m["birth"] for m in data["members"]])
    b = batch()
    for person, m in zip(people, data["members"]):
        if m["death"] is not None:
            Person.objects.filter(pk=person.pk).update(death_date=on + dt.timedelta(days=m["death"]))
        current = set()
        for r in m["records"]:
            start, end = _period(r, on)
            status = r["status"]
            key = schema.natural_key(source="hrss", kind=r["kind"], id_digest=person.id_digest, period_start=start,
                                     attributes=r["attrs"])
            if status == "current" and key in current:
                status = "superseded"  # one current fact per identity
            current.add(key) if status == "current" else None
            DepartmentRecord.objects.create(
                person=person, id_digest=person.id_digest, source="hrss", kind=r["kind"], period_start=start,
                period_end=end, amount=r["amount"], attributes=r["attrs"], batch=b, fingerprint=uuid.uuid4().hex,
                status=status)
    singles = sorted({people[i].pk for i in data["singles"] if i < len(people)})
    for programme, status in data["benefits"].items():
        calculation = {"single_person_ids": singles} if programme == "dibao" and singles else {}
        Benefit.objects.create(household=hh, programme=programme, status=status, start_date=dt.date(2023, 1, 1),
                               calculation=calculation)

    bulk = sql.compute_rows(model=model, on=on, ids=[hh.pk]).get(hh.pk)
    fresh = household_explain_score(household=hh, model=model, on=on)
    if fresh is None:
        assert bulk is None
        return
    assert bulk is not None
    expected = fresh.as_dict()
    got = {k: (Decimal(v) if isinstance(v, Decimal) else v) for k, v in bulk.items()}
    assert got == expected


def test_both_paths_agree_on_the_window_and_age_edges(city, model):
    """The exact days random data rarely hits: window and 90-day edges, age 60 and 16."""
    births = [dt.date(1964, 6, 30), dt.date(1964, 7, 1), dt.date(2008, 6, 30), dt.date(2008, 7, 1)]
    hh, people = household(city.community, births)
    b = batch()
    for i, p in enumerate(people):
        for days in (-366, -365, -364, -91, -90, -89, 0):
            end = ON + dt.timedelta(days=days)
            kind = ["income", "medical_expense", "employment", "disability"][i]
            record(p, kind, end, end, 30000 if kind == "medical_expense" else 100, _batch=b, grade=3)
    for p in people[:2]:
        record(p, "disability", ON - dt.timedelta(days=364), ON, _batch=b, grade=4)  # valid on the day
    Person.objects.filter(pk=people[3].pk).update(death_date=ON - dt.timedelta(days=89))
    bulk = sql.compute_rows(model=model, on=ON, ids=[hh.pk])[hh.pk]
    fresh = household_explain_score(household=hh, model=model, on=ON).as_dict()
    assert bulk == fresh
    assert fresh["disabled_elders"] == 1 and fresh["elders"] == 1
