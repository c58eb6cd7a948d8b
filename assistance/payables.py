"""Assistance's payable source: the month's lines of its benefits, for the platform's payment ledger.

Regular monthly amounts of every paid benefit (active or phasing out) that runs in the month, and the
price-subsidy rounds (物价补贴) of the month: amount per person × multiplier × members covered, rounded
once to the fen. One-off payments (临时救助) are decided during the month and added to the ledger by
the decision (``payment_line_add``); the next roll takes them. See civilaffairs/payments/sources.py."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civilaffairs.payments.sources import PayableSource, source_register

from .models import PAID_STATUSES

PROGRAMME = "assistance"
CATEGORIES = {"monthly": _("月度救助金"), "price_subsidy": _("物价补贴"), "one_off": _("一次性救助"),
              "arrears": _("标准调整补发")}


def benefit_key(benefit_id: int) -> str:
    return f"assistance.benefit:{benefit_id}"


def subsidy_key(round_id: int, benefit_id: int) -> str:
    return f"assistance.subsidy:{round_id}:{benefit_id}"


def one_off_key(benefit_id: int) -> str:
    return f"assistance.one_off:{benefit_id}"


_LINES_SQL = """
SELECT 'assistance.benefit:' || b.id, 'monthly', NULL::bigint, b.household_id, h.community_id, b.monthly_amount
  FROM assistance_benefit b
  JOIN registry_household h ON h.id = b.household_id
 WHERE h.community_id LIKE %s
   AND b.status = ANY(%s)
   AND b.monthly_amount > 0
   AND b.start_date <= %s
   AND (b.end_date IS NULL OR b.end_date >= %s)
UNION ALL
SELECT 'assistance.subsidy:' || r.id || ':' || b.id, 'price_subsidy', NULL::bigint, b.household_id, h.community_id,
       round(r.amount_per_person * r.multiplier * b.members_covered, 2)
  FROM assistance_pricesubsidyround r
  JOIN assistance_benefit b ON b.programme = ANY(r.programmes)
  JOIN registry_household h ON h.id = b.household_id
 WHERE r.month = %s
   AND h.community_id LIKE %s
   AND b.status = ANY(%s)
   AND b.start_date <= %s
"""


def month_lines(*, month, month_end, district_code):
    prefix = district_code + "%"
    paid = [str(s) for s in PAID_STATUSES]
    return _LINES_SQL, [prefix, paid, month_end, month, month, prefix, paid, month_end]


def register() -> None:
    source_register(PayableSource(programme=PROGRAMME, label=_("社会救助"), lines=month_lines,
                                  categories=CATEGORIES))
