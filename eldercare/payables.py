"""Elder care's payable source: the month's lines of its allowances (高龄津贴, 护理补贴) for the platform's
payment ledger (``civilaffairs/payments/sources.py``).

One line per allowance and month owed, set-based: every month from the allowance's ``from_month`` (the
arrears of a late find included, already bounded by the arrears parameter at the grant) to the roll's
month — or to ``to_month`` for an allowance stopped by a death or a move out — that has no line yet
under any roll. A month's line carries the allowance and the month in its entitlement key
(``eldercare.allowance:<id>:<YYYY-MM>``), so a month is paid once whichever roll takes it; the roll's
own month is ``high_age`` / ``care``, the earlier ones ``*_arrears``. A proposed stop pauses the lines
(the months come back with the next roll if the stop is withdrawn); a confirmed manual stop pays nothing
more. Lines are paid to the person: a DEATH record suspends their pending lines (the ledger does it)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civilaffairs.payments.sources import PayableSource, source_register

PROGRAMME = "eldercare"
CATEGORIES = {"high_age": _("高龄津贴"), "high_age_arrears": _("高龄津贴补发"), "care": _("护理补贴"),
              "care_arrears": _("护理补贴补发")}


def line_key(allowance_id: int, month) -> str:
    return f"eldercare.allowance:{allowance_id}:{month:%Y-%m}"


_LINES_SQL = """
SELECT 'eldercare.allowance:' || a.id || ':' || to_char(m.month, 'YYYY-MM'),
       CASE WHEN m.month < %s::date THEN a.kind || '_arrears' ELSE a.kind END,
       a.person_id, NULL::bigint, a.community_id, a.amount
  FROM eldercare_allowance a
 CROSS JOIN LATERAL generate_series(
           a.from_month::timestamp,
           (CASE WHEN a.status = 'active' THEN %s::date ELSE LEAST(a.to_month, %s::date) END)::timestamp,
           interval '1 month') AS m0(ts)
 CROSS JOIN LATERAL (SELECT m0.ts::date AS month) m
 WHERE a.community_id LIKE %s
   AND (a.status = 'active' OR (a.status = 'stopped' AND a.to_month IS NOT NULL))
   AND a.from_month <= %s::date
   AND NOT EXISTS (SELECT 1 FROM payments_paymentline l
                    WHERE l.kind = 'regular' AND l.entitlement = 'eldercare.allowance:' || a.id || ':' || to_char(m.month, 'YYYY-MM'))
"""


def month_lines(*, month, month_end, district_code):
    return _LINES_SQL, [month, month, month, district_code + "%", month]


def register() -> None:
    source_register(PayableSource(programme=PROGRAMME, label=_("养老服务"), lines=month_lines, categories=CATEGORIES))
