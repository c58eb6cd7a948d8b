"""Who is an elder and how they live, derived from the registry: the Python answer (the elder's
page) and the SQL twin (lists, rules, visit plans) agree, at the age line and for each arrangement."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from civilaffairs.registry.models import Person
from civilaffairs.registry.services import household_add_member, household_create
from eldercare.selectors import Arrangement, elders_sql, is_elder, living_arrangement
from tests import factories as f

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 15)


def _sql(ids):
    with connection.cursor() as cur:
        cur.execute(elders_sql("{col} = ANY(%(ids)s)"), {"on": ON, "ids": ids})
        cols = [c.name for c in cur.description]
        return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def _hh(city, head, *others):
    hh = household_create(actor=None, community_code=city.community.code, head=head)
    for p in others:
        household_add_member(actor=None, household=hh, person=p, relation="spouse")
    return hh


def test_age_line_just_below_at_and_above(city):
    below = f.person(birth=dt.date(1966, 6, 16))   # 59 on ON: turns 60 tomorrow
    at = f.person(birth=dt.date(1966, 6, 15))      # 60 today
    above = f.person(birth=dt.date(1966, 6, 14))
    rows = _sql([below.pk, at.pk, above.pk])
    assert [is_elder(p, ON) for p in (below, at, above)] == [False, True, True]
    assert set(rows) == {at.pk, above.pk}
    assert rows[at.pk]["age"] == 60


def test_arrangements_agree(city):
    alone = f.person(birth=dt.date(1940, 1, 1))
    _hh(city, alone)
    husband, wife = f.person(birth=dt.date(1950, 1, 1)), f.person(birth=dt.date(1952, 1, 1), female=True)
    _hh(city, husband, wife)
    grandma, grandson = f.person(birth=dt.date(1945, 1, 1), female=True), f.person(birth=dt.date(2010, 1, 1))
    _hh(city, grandma, grandson)
    widow, late = f.person(birth=dt.date(1944, 1, 1), female=True), f.person(birth=dt.date(1943, 1, 1))
    _hh(city, widow, late)
    Person.objects.filter(pk=late.pk).update(death_date=dt.date(2026, 1, 5))  # as a DEATH record sets it
    homeless = f.person(birth=dt.date(1941, 1, 1))
    expected = {alone: Arrangement.ALONE, husband: Arrangement.EMPTY_NEST, wife: Arrangement.EMPTY_NEST,
                grandma: Arrangement.WITH_FAMILY, widow: Arrangement.ALONE, homeless: Arrangement.UNKNOWN}
    rows = _sql([p.pk for p in expected] + [late.pk, grandson.pk])
    for person, arrangement in expected.items():
        assert living_arrangement(person, ON) == arrangement, person.name
        assert rows[person.pk]["arrangement"] == arrangement, person.name
    assert late.pk not in rows and grandson.pk not in rows  # the dead and the young are not elders
    assert rows[alone.pk]["community_id"] == city.community.code
    assert rows[homeless.pk]["community_id"] == ""
