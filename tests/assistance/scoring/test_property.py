"""One definition of the rules: the bulk SQL path and the Python explain path give
the same numbers for random households (hypothesis)."""
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.models import Benefit
from assistance.scoring import sql
from assistance.scoring.selectors import household_explain_score
from civilaffairs.registry.models import Person

from .helpers import ON, batch, household, record

KINDS = ["income", "pension", "medical_expense", "education_expense", "financial_assets", "real_estate",
         "vehicle", "disability", "serious_illness", "chronic_illness", "employment", "social_insurance"]
money = st.one_of(st.none(), st.decimals(min_value=0, max_value=60000, places=2, allow_nan=False))
attr_value = st.one_of(st.sampled_from([1, 2, 3, 4, "2", "3"]),
                       st.sampled_from([None, "x", True, False, "yes", "no", "true", 0, 1]))

record_st = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    # End dates cluster on the window edges (12 months, 90 days, the scoring date).
    "end": st.one_of(st.integers(min_value=-420, max_value=60),
                     st.sampled_from([-366, -365, -364, -91, -90, -89, -1, 0, 1])),
    "length": st.one_of(st.integers(min_value=0, max_value=40), st.sampled_from([0, 365, 366, 3000])),
    "amount": money,
    "grade": attr_value,
    "exempt": attr_value,
})
member_st = st.fixed_dictionaries({
    "birth": st.dates(min_value=dt.date(1925, 1, 1), max_value=dt.date(2024, 6, 1)),
    "death": st.one_of(st.none(), st.none(), st.integers(min_value=-200, max_value=30), st.sampled_from([-90, -89, 0, 1])),
    "records": st.lists(record_st, min_size=2, max_size=8),
})
household_st = st.fixed_dictionaries({
    "members": st.lists(member_st, min_size=1, max_size=5),
    "benefits": st.dictionaries(st.sampled_from(["dibao", "dibian", "tekun", "temporary"]),
                                st.sampled_from(["active", "phaseout", "suspended", "ended"]), max_size=2),
})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=household_st)
def test_bulk_and_explain_paths_agree(city, model, data):
    hh, people = household(city.community, [m["birth"] for m in data["members"]])
    b = batch()
    for person, m in zip(people, data["members"]):
        if m["death"] is not None:
            Person.objects.filter(pk=person.pk).update(death_date=ON + dt.timedelta(days=m["death"]))
        for r in m["records"]:
            end = ON + dt.timedelta(days=r["end"])
            attrs = {k: r[k] for k in ("grade", "exempt") if r[k] is not None}
            record(person, r["kind"], end - dt.timedelta(days=r["length"]), end, r["amount"], _batch=b, **attrs)
    for programme, status in data["benefits"].items():
        Benefit.objects.create(household=hh, programme=programme, status=status, start_date=dt.date(2023, 1, 1))

    bulk = sql.compute_rows(model=model, on=ON, ids=[hh.pk]).get(hh.pk)
    fresh = household_explain_score(household=hh, model=model, on=ON)
    if fresh is None:
        assert bulk is None
        return
    assert bulk is not None
    expected = fresh.as_dict()
    got = {k: (Decimal(v) if isinstance(v, Decimal) else v) for k, v in bulk.items()}
    assert got == expected


def test_both_paths_agree_on_the_window_and_age_edges(city, model):
    """The exact days random data rarely hits: 12-month and 90-day edges, age 60 and 16."""
    births = [dt.date(1964, 6, 30), dt.date(1964, 7, 1), dt.date(2008, 6, 30), dt.date(2008, 7, 1)]
    hh, people = household(city.community, births)
    b = batch()
    for i, p in enumerate(people):
        for days in (-366, -365, -364, -91, -90, -89, 0):
            end = ON + dt.timedelta(days=days)
            kind = ["income", "medical_expense", "employment", "disability"][i]
            record(p, kind, end, end, 30000 if kind == "medical_expense" else 100, _batch=b, grade=3)
    for p in people[:2]:
        record(p, "disability", ON - dt.timedelta(days=364), ON - dt.timedelta(days=364), _batch=b, grade=4)
    Person.objects.filter(pk=people[3].pk).update(death_date=ON - dt.timedelta(days=89))
    bulk = sql.compute_rows(model=model, on=ON, ids=[hh.pk])[hh.pk]
    fresh = household_explain_score(household=hh, model=model, on=ON).as_dict()
    assert bulk == fresh
    assert fresh["disabled_elders"] == 1 and fresh["elders"] == 1
