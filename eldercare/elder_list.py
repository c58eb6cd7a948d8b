"""The caseworkers' list of elders, set-based on ``selectors.elders_sql``: one SQL condition on the
person ids (``Person.objects.filter(pk__in=RawSQL(…))``), so the platform's ``CappedPaginator``
pages and counts it (capped) like any queryset; the page's rows then get their age, arrangement,
grade and groups from one more query over the page's ids.

Scope: the elder's community (their active household's) under the codes where the worker holds
VIEW. Filters: community (a code prefix within the scope), age band, ability grade (or none in
force), living arrangement, special group, name prefix or an ID number's digest, and any filter
another area registers with ``register_elder_filter`` (visits: overdue visit).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.scoping import jurisdiction_codes
from civilaffairs.registry.models import Person

from .capabilities import VIEW
from .models import DISABLED_GRADES, AbilityGrade, SpecialGroup
from .selectors import HIGH_AGE, elders_sql, grade_sql

AGE_BANDS = {"60": (60, 69), "70": (70, 79), "80": (80, 89), "90": (90, 99), "100": (100, 200)}
AGE_BAND_CHOICES = [("60", _("60–69岁")), ("70", _("70–79岁")), ("80", _("80–89岁")), ("90", _("90–99岁")),
                    ("100", _("100岁及以上"))]
NO_GRADE = "none"
ASSISTED_PROGRAMMES = ("dibao", "tekun")
ASSISTED_STATUSES = ("active", "phaseout")


@dataclass(frozen=True)
class ElderFilter:
    """An extra list filter: a checkbox ``key`` whose SQL ``condition`` (on ``e.person_id``, with
    named ``%(…)s`` parameters from ``params(on)``) keeps the elders it is true of."""

    key: str
    label: object
    condition: str
    params: Callable[[dt.date], dict] = lambda on: {}
    order: int = 100


_FILTERS: dict[str, ElderFilter] = {}


def register_elder_filter(key: str, *, label, condition: str, params: Callable[[dt.date], dict] | None = None,
                          order: int = 100) -> None:
    _FILTERS[key] = ElderFilter(key=key, label=label, condition=condition, params=params or (lambda on: {}),
                                order=order)


def unregister_elder_filter(key: str) -> None:
    _FILTERS.pop(key, None)


def elder_filters() -> list[ElderFilter]:
    return sorted(_FILTERS.values(), key=lambda f: (f.order, f.key))


_NAMED = re.compile(r"%\((\w+)\)s")


def _positional(sql: str, params: dict) -> tuple[str, list]:
    """Named ``%(x)s`` parameters → positional ``%s`` in order (RawSQL takes a list)."""
    values = []

    def swap(match):
        values.append(params[match.group(1)])
        return "%s"

    return _NAMED.sub(swap, sql), values


def _assisted_sql() -> str:
    return ("EXISTS (SELECT 1 FROM assistance_benefit b WHERE b.household_id = e.household_id "
            "AND b.programme = ANY(%(assisted_programmes)s) AND b.status = ANY(%(assisted_statuses)s) "
            "AND b.start_date <= %(on)s::date AND (b.end_date IS NULL OR b.end_date >= %(on)s::date))")


def elders_queryset(*, user, on: dt.date, community: str = "", age_band: str = "", grade: str = "",
                    arrangement: str = "", group: str = "", name: str = "", id_digest: str = "",
                    extra: tuple[str, ...] = ()):
    """The elders ``user`` may see with VIEW, filtered; ordered by name. Unknown filter values are
    the form's to refuse; here they select nothing."""
    codes = jurisdiction_codes(user, VIEW)
    if codes is not None and not codes:
        return Person.objects.none()
    params: dict = {"on": on, "assisted_programmes": list(ASSISTED_PROGRAMMES),
                    "assisted_statuses": list(ASSISTED_STATUSES)}
    where = ["true"]
    if codes is not None:
        where.append("(" + " OR ".join(f"e.community_id LIKE %(scope{i})s" for i in range(len(codes))) + ")")
        params.update({f"scope{i}": f"{code}%" for i, code in enumerate(codes)})
    # The candidates first (the scope's and the community filter's households, a name or an ID
    # digest), so ``elders_sql`` derives age and arrangement for them only, not for the whole city.
    targets = []
    prefixes = ([community] if community else []) + ([] if codes is None else list(codes))
    if prefixes:
        in_region = " OR ".join(f"h.community_id LIKE %(region{i})s" for i in range(len(prefixes)))
        params.update({f"region{i}": f"{code}%" for i, code in enumerate(prefixes)})
        region_sql = ("{col} IN (SELECT hm.person_id FROM registry_householdmember hm "
                      "JOIN registry_household h ON h.id = hm.household_id WHERE hm.is_active AND (%s))")
        if community:  # the filter narrows the scope: both must hold
            targets.append(region_sql % "h.community_id LIKE %(region0)s")
            if len(prefixes) > 1:
                targets.append(region_sql % " OR ".join(f"h.community_id LIKE %(region{i})s"
                                                       for i in range(1, len(prefixes))))
        else:
            targets.append(region_sql % in_region)
    if id_digest:
        targets.append("{col} IN (SELECT id FROM registry_person WHERE id_digest = %(id_digest)s)")
        params["id_digest"] = id_digest
    elif name:
        targets.append("{col} IN (SELECT id FROM registry_person WHERE name LIKE %(name)s)")
        params["name"] = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    target = " AND ".join(targets) or "true"
    if community:
        where.append("e.community_id LIKE %(community)s")
        params["community"] = f"{community}%"
    if age_band:
        lo, hi = AGE_BANDS.get(age_band, (-1, -1))
        where.append("e.age BETWEEN %(age_lo)s AND %(age_hi)s")
        params.update(age_lo=lo, age_hi=hi)
    if grade == NO_GRADE:
        where.append("g.grade IS NULL")
    elif grade:
        where.append("g.grade = %(grade)s")
        params["grade"] = int(grade) if grade.isdigit() else -1
    if arrangement:
        where.append("e.arrangement = %(arrangement)s")
        params["arrangement"] = arrangement
    if group:
        where.append(_group_sql(group))
        params["disabled"] = [int(g) for g in DISABLED_GRADES]
        params["high_age"] = HIGH_AGE
    for key in extra:
        flt = _FILTERS.get(key)
        if flt is not None:
            where.append(f"({flt.condition})")
            params.update(flt.params(on))
    # Only what the filters read is joined: the grade when a grade or group filter asks for it.
    grade_join = f"LEFT JOIN LATERAL ({grade_sql('e.person_id')}) g ON true" if (grade or group) else ""
    sql = (f"SELECT e.person_id FROM ({elders_sql(target)}) e {grade_join} WHERE " + " AND ".join(where))
    raw, values = _positional(sql, params)
    return Person.objects.filter(pk__in=RawSQL(raw, values)).order_by("name", "id")


def _group_sql(group: str) -> str:
    return {
        SpecialGroup.DISABLED: "g.grade = ANY(%(disabled)s)",
        SpecialGroup.LOST_ONLY_CHILD: ("EXISTS (SELECT 1 FROM eldercare_elderprofile ep "
                                       "WHERE ep.person_id = e.person_id AND ep.lost_only_child)"),
        SpecialGroup.ALONE: "e.arrangement = 'alone'",
        SpecialGroup.EMPTY_NEST: "e.arrangement = 'empty_nest'",
        SpecialGroup.HIGH_AGE: "e.age >= %(high_age)s",
        SpecialGroup.ASSISTED: _assisted_sql(),
    }.get(group, "false")


@dataclass
class ElderRow:
    age: int
    arrangement: str
    community_id: str
    grade: int | None
    lost_only_child: bool
    assisted: bool

    @property
    def groups(self) -> list[str]:
        return special_groups(age=self.age, arrangement=self.arrangement, grade=self.grade,
                              lost_only_child=self.lost_only_child, assisted=self.assisted)


def special_groups(*, age: int, arrangement: str, grade: int | None, lost_only_child: bool,
                   assisted: bool) -> list[str]:
    """The special groups' labels, in the order the page shows them."""
    labels = dict(SpecialGroup.choices)
    found = []
    if grade is not None and grade in [int(g) for g in DISABLED_GRADES]:
        found.append(SpecialGroup.DISABLED)
    if lost_only_child:
        found.append(SpecialGroup.LOST_ONLY_CHILD)
    if arrangement == "alone":
        found.append(SpecialGroup.ALONE)
    elif arrangement == "empty_nest":
        found.append(SpecialGroup.EMPTY_NEST)
    if age >= HIGH_AGE:
        found.append(SpecialGroup.HIGH_AGE)
    if assisted:
        found.append(SpecialGroup.ASSISTED)
    return [str(labels[g]) for g in found]


def elder_rows(person_ids: list[int], *, on: dt.date) -> dict[int, ElderRow]:
    """Age, arrangement, community, grade in force, 失独 and 低保/特困 of a page of elders, one query."""
    if not person_ids:
        return {}
    sql = (f"SELECT e.person_id, e.age, e.arrangement, e.community_id, g.grade, "
           f"coalesce(ep.lost_only_child, false), {_assisted_sql()} "
           f"FROM ({elders_sql('{col} = ANY(%(ids)s)')}) e "
           f"LEFT JOIN LATERAL ({grade_sql('e.person_id')}) g ON true "
           f"LEFT JOIN eldercare_elderprofile ep ON ep.person_id = e.person_id")
    with connection.cursor() as cur:
        cur.execute(sql, {"on": on, "ids": list(person_ids), "assisted_programmes": list(ASSISTED_PROGRAMMES),
                          "assisted_statuses": list(ASSISTED_STATUSES)})
        return {r[0]: ElderRow(age=r[1], arrangement=r[2], community_id=r[3], grade=r[4], lost_only_child=r[5],
                               assisted=r[6]) for r in cur.fetchall()}


GRADE_LABELS = dict(AbilityGrade.choices)
