"""The sample programme's payable source: a flat monthly allowance to the households and people it
enrolls (``ENROLLED_HOUSEHOLDS`` / ``ENROLLED_PERSONS``, set by the tests). It registers with the
platform's registry only — no platform code knows it."""
from __future__ import annotations

from decimal import Decimal

from civilaffairs.payments.sources import PayableSource, source_register, source_unregister

PROGRAMME = "sample"
ALLOWANCE = Decimal("100.00")
ENROLLED_HOUSEHOLDS: set[int] = set()
ENROLLED_PERSONS: set[int] = set()

_SQL = """
SELECT 'sample.household:' || h.id, 'allowance', NULL::bigint, h.id, h.community_id, %s::numeric
  FROM registry_household h
 WHERE h.id = ANY(%s) AND h.community_id LIKE %s
UNION ALL
SELECT 'sample.person:' || m.person_id, 'allowance', m.person_id, NULL::bigint, h.community_id, %s::numeric
  FROM registry_householdmember m
  JOIN registry_household h ON h.id = m.household_id
 WHERE m.person_id = ANY(%s) AND h.community_id LIKE %s
"""


def month_lines(*, month, month_end, district_code):
    prefix = district_code + "%"
    return _SQL, [ALLOWANCE, sorted(ENROLLED_HOUSEHOLDS), prefix, ALLOWANCE, sorted(ENROLLED_PERSONS), prefix]


def register() -> None:
    source_register(PayableSource(programme=PROGRAMME, label="示例项目", lines=month_lines,
                                  categories={"allowance": "示例津贴"}))


def unregister() -> None:
    source_unregister(PROGRAMME)
    ENROLLED_HOUSEHOLDS.clear()
    ENROLLED_PERSONS.clear()
