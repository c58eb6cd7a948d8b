"""The SQL of each sample rule and its Python explain twin give the same answer, for random
persons and birthdays around the age lines (including 29 February) and random evaluation days."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from civilaffairs.entitlements import sql
from civilaffairs.entitlements.rules import get_rule
from tests import factories as f
from tests.sampleprogramme import reg_entitlements as sample

pytestmark = pytest.mark.django_db

days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2032, 12, 31))
offsets = st.sampled_from([-1, 0, 1, -366, 365, 3000])
lines = st.sampled_from([60, 80, 90])


def _birth(on: dt.date, line: int, offset: int) -> dt.date:
    from civilaffairs.entitlements.rules import age_cutoff

    return age_cutoff(on, line) + dt.timedelta(days=offset)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(on=days, people=st.lists(st.tuples(lines, offsets, st.booleans(), st.booleans()), min_size=1, max_size=4),
       leap=st.booleans())
def test_sql_equals_explain(city, on, people, leap):
    from civilaffairs.registry.models import Person
    from civilaffairs.registry.services import household_add_member, household_create

    if leap:  # someone born on 29 February, evaluated around 28 Feb / 1 Mar
        on = dt.date(on.year, 3, 1) if on.month > 6 else dt.date(on.year, 2, 28)
    persons = []
    for line, offset, dead, _ in people:
        birth = dt.date(1948, 2, 29) if leap and not persons else _birth(on, line, offset)
        p = f.person(name="测试", birth=birth)
        if dead:
            Person.objects.filter(pk=p.pk).update(death_date=on + dt.timedelta(days=offset))
        persons.append(p)
    household = household_create(actor=None, community_code=city.community.code, head=persons[0])
    for p, (_l, _o, _d, together) in zip(persons[1:], people[1:]):
        if together:
            household_add_member(actor=None, household=household, person=p, relation="other")
    rule = get_rule(sample.AGE80)
    ids = [p.pk for p in persons]
    assert sql.evaluate_ids(rule, ids=ids, on=on) == {i: rule.explain(i, on) for i in ids}
    home = get_rule(sample.ELDERLY_HOUSEHOLD)
    assert sql.evaluate_ids(home, ids=[household.pk], on=on) == {household.pk: home.explain(household.pk, on)}
