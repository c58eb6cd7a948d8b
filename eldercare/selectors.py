"""Who the elders are, derived from the registry (never stored): age, community, living
arrangement, the grade in force. Python answers for one person (pages, explain twins) and SQL
twins for sets (lists, rules, visit plans); ``tests/eldercare/test_selectors.py`` holds them equal.

- An elder is a living registry person aged ``ELDER_AGE`` or more on the day.
- Their community is their active household's; a person in no active household has none.
- Living arrangement (居住状况), from the active household's living members on the day:
  ALONE (独居) — the elder is its only living member; EMPTY_NEST (空巢, e.g. a couple only) —
  more than one living member, all of them elders; WITH_FAMILY — anyone younger lives with them;
  UNKNOWN — no active household.
"""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from civilaffairs.entitlements.rules import age_cutoff

from .models import Assessment, AssessmentStatus

ELDER_AGE = 60
HIGH_AGE = 80


class Arrangement(models.TextChoices):
    ALONE = "alone", _("独居")
    EMPTY_NEST = "empty_nest", _("空巢（仅与老年配偶等同住）")
    WITH_FAMILY = "with_family", _("与家人同住")
    UNKNOWN = "unknown", _("无家庭信息")


def is_elder(person, on: dt.date) -> bool:
    alive = person.death_date is None or person.death_date > on
    return alive and person.birth_date <= age_cutoff(on, ELDER_AGE)


def household_of(person):
    """The person's active household membership (``HouseholdMember``) or None."""
    return (person.memberships.filter(is_active=True).select_related("household").order_by("-id").first())


def living_arrangement(person, on: dt.date) -> str:
    membership = household_of(person)
    if membership is None:
        return Arrangement.UNKNOWN
    cutoff = age_cutoff(on, ELDER_AGE)
    others = [m.person for m in membership.household.members.filter(is_active=True).select_related("person")
              if m.person_id != person.pk and (m.person.death_date is None or m.person.death_date > on)]
    if not others:
        return Arrangement.ALONE
    if all(p.birth_date <= cutoff for p in others):
        return Arrangement.EMPTY_NEST
    return Arrangement.WITH_FAMILY


# The SQL twin: one row per person of ``target`` (a condition on ``{col}``, the persons' id
# column, as the entitlement engine gives it) who is an elder on %(on)s:
# person_id, birth_date, age, household_id, community_id, arrangement.
ELDERS_SQL = """
SELECT p.id AS person_id, p.birth_date,
       date_part('year', age(%(on)s::date, p.birth_date))::int AS age,
       m.household_id, coalesce(h.community_id, '') AS community_id,
       CASE WHEN m.household_id IS NULL THEN 'unknown'
            WHEN o.others = 0 THEN 'alone'
            WHEN o.younger = 0 THEN 'empty_nest'
            ELSE 'with_family' END AS arrangement
FROM registry_person p
LEFT JOIN LATERAL (SELECT hm.household_id FROM registry_householdmember hm
                   WHERE hm.person_id = p.id AND hm.is_active ORDER BY hm.id DESC LIMIT 1) m ON true
LEFT JOIN registry_household h ON h.id = m.household_id
LEFT JOIN LATERAL (
    SELECT count(*) AS others,
           count(*) FILTER (WHERE q.birth_date > (%(on)s::date - make_interval(years => {elder_age}))) AS younger
    FROM registry_householdmember hm JOIN registry_person q ON q.id = hm.person_id
    WHERE hm.household_id = m.household_id AND hm.is_active AND hm.person_id <> p.id
      AND (q.death_date IS NULL OR q.death_date > %(on)s::date)) o ON true
WHERE {target}
  AND p.birth_date <= (%(on)s::date - make_interval(years => {elder_age}))
  AND (p.death_date IS NULL OR p.death_date > %(on)s::date)
"""


def elders_sql(target: str = "true") -> str:
    """The elders among ``target`` (see ``ELDERS_SQL``); parameters: ``%(on)s`` and the target's."""
    return ELDERS_SQL.format(target=target.replace("{col}", "p.id"), elder_age=ELDER_AGE)


def grade_on(person_id: int, on: dt.date) -> int | None:
    """The ability grade in force on ``on`` (the signed assessment whose validity covers it)."""
    return (Assessment.objects.filter(person_id=person_id, status=AssessmentStatus.SIGNED,
                                      valid_from__lte=on, valid_to__gte=on)
            .values_list("grade", flat=True).first())


# SQL twin of ``grade_on``, to join on a person id column: ``LEFT JOIN LATERAL ({GRADE_SQL}) g ON true``
# with ``{person}`` replaced by that column.
GRADE_SQL = """SELECT a.grade FROM eldercare_assessment a
WHERE a.person_id = {person} AND a.status = 'signed' AND a.valid_from <= %(on)s::date AND a.valid_to >= %(on)s::date
LIMIT 1"""


def grade_sql(person_col: str) -> str:
    return GRADE_SQL.format(person=person_col)
