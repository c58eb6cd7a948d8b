"""The yearly raise: a new dated standard recomputes every paid benefit it governs, from its month.

``benefits_recompute_for_parameter`` runs for one new ``PolicyParameter`` row (the platform calls the
listener registered in ``AssistanceConfig.ready`` after ``parameter_set`` commits; the listener enqueues
``assistance.benefits_recompute``). In one transaction:

1. the communities under the row's region whose value in force on its date *is* this row (a district
   with its own value is not governed by a city raise);
2. one ``INSERT … SELECT`` of a ``BenefitAdjustment`` per live benefit of the programme there whose
   recorded value (the benefit's own, else its decision's) differs from the new one. The arithmetic is
   the one of ``assistance.calculations``: a 低保 top-up is Σ(standard − income) over the covered members
   (the household's, or a 单人户 member's own), a 特困 amount Σ(basic + care) — so a new standard moves
   the amount by (new − old) × members covered, exactly, to the fen. Arrears: Σ(new − line amount) over
   the benefit's monthly ledger lines from the adjustment month on that were (or will be) paid at the old
   amount (not suspended, not reversed);
3. one ``UPDATE … FROM`` of the benefits (amount, recorded value, a calculation line saying so);
4. one bulk insert of the arrears lines into the payments ledger (``assistance.arrears:<adjustment>``,
   unique per period; the next roll of the district takes them and its four-eyes rules apply);
5. the households notified and one audit event with each benefit's old and new amount (ids only).

A decrease is applied from its month and never clawed back automatically: no line, the adjustment keeps
the overpaid sum (negative ``arrears_amount``) for a caseworker to review. Running twice changes nothing
(one adjustment per benefit and parameter row; the second run finds the recorded value already new)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.audit.services import audit_log
from civilaffairs.notifications.services import notify_household
from civilaffairs.payments.models import PaymentLine
from civilaffairs.registry.models import Household, PolicyParameter
from civilaffairs.registry.parameters import BY_KEY
from civilaffairs.registry.selectors import ParameterMissing, parameter_row

from ..models import PAID_STATUSES, BenefitAdjustment, Programme
from ..payables import PROGRAMME

__all__ = ["RAISE_KEYS", "adjustment_month", "arrears_key", "benefits_recompute_for_parameter"]

# Which programme's monthly amount moves by (new − old) × members covered when the key changes.
RAISE_KEYS = {"dibao_standard": Programme.DIBAO, "tekun_basic_standard": Programme.TEKUN}


def _plain(value: Decimal) -> str:
    """1200 for 1200.0000, 1135.5 for 1135.5000 (never 1.2E+3)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def arrears_key(adjustment_id: int) -> str:
    return f"assistance.arrears:{adjustment_id}"


def adjustment_month(effective_from: dt.date) -> dt.date:
    """The first month paid at the new value: a month is paid at the value in force on its 1st, so a
    standard from the 1st counts that month, one from the 2nd on counts from the next month."""
    if effective_from.day == 1:
        return effective_from
    return (effective_from.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _governed(param: PolicyParameter, programme: str) -> tuple[list[str], list[Decimal | None]]:
    """The communities with a live benefit of ``programme`` that this row governs, and the value each had
    the day before (for a benefit whose decision recorded none)."""
    communities = (Household.objects.filter(community__code__startswith=param.region_id,
                                            benefits__programme=programme, benefits__status__in=PAID_STATUSES)
                   .values_list("community_id", flat=True).distinct().order_by())
    codes, before = [], []
    for code in communities:
        try:
            if parameter_row(key=param.key, region_code=code, on=param.effective_from).pk != param.pk:
                continue
        except ParameterMissing:
            continue
        try:
            old = parameter_row(key=param.key, region_code=code,
                                on=param.effective_from - dt.timedelta(days=1)).value
        except ParameterMissing:
            old = None
        codes.append(code)
        before.append(old)
    return codes, before


_ADJUST = """
INSERT INTO assistance_benefitadjustment (benefit_id, parameter_id, effective_month, old_value, new_value,
                                          old_amount, new_amount, arrears_months, arrears_amount, reason,
                                          created_at)
SELECT c.id, %(param)s, c.from_month, c.old_value, %(new)s, c.monthly_amount, c.new_amount,
       coalesce(l.months, 0), coalesce(l.owed, 0), %(reason)s, now()
  FROM (SELECT b.id, b.monthly_amount, k.old_value,
               greatest(%(month)s::date, date_trunc('month', b.start_date)::date) AS from_month,
               greatest(0, round(b.monthly_amount + (%(new)s - k.old_value) * b.members_covered, 2)) AS new_amount
          FROM assistance_benefit b
          JOIN registry_household h ON h.id = b.household_id
          JOIN unnest(%(codes)s::text[], %(before)s::numeric[]) AS g (community_id, before)
            ON g.community_id = h.community_id
          LEFT JOIN assistance_decision d ON d.id = b.decision_id
         CROSS JOIN LATERAL (SELECT coalesce((b.calculation -> 'parameters' -> %(key)s ->> 'value')::numeric,
                                             (d.lines -> -1 -> 'parameters' -> %(key)s ->> 'value')::numeric,
                                             g.before) AS old_value) k
         WHERE b.programme = %(programme)s AND b.status = ANY(%(statuses)s)
           AND (b.end_date IS NULL OR b.end_date >= %(month)s)
           AND k.old_value IS NOT NULL AND k.old_value <> %(new)s) c
  LEFT JOIN LATERAL (
        SELECT count(*) AS months, sum(c.new_amount - p.amount) AS owed
          FROM payments_paymentline p
         WHERE p.entitlement = 'assistance.benefit:' || c.id AND p.kind = 'regular' AND p.category = 'monthly'
           AND p.period >= c.from_month AND p.status <> 'suspended'
           AND NOT EXISTS (SELECT 1 FROM payments_paymentline r WHERE r.reverses_id = p.id)) l ON true
ON CONFLICT (benefit_id, parameter_id) DO NOTHING
RETURNING id
"""

_APPLY = """
UPDATE assistance_benefit b
   SET monthly_amount = a.new_amount, updated_at = now(),
       calculation = jsonb_set(
           jsonb_set(coalesce(b.calculation, '{}'::jsonb), '{parameters}',
                     coalesce(b.calculation -> 'parameters', '{}'::jsonb)
                     || jsonb_build_object(%(key)s, jsonb_build_object('value', %(new_text)s, 'region', %(region)s,
                                                                      'effective_from', %(from)s))),
           '{lines}', coalesce(b.calculation -> 'lines', '[]'::jsonb)
                      || to_jsonb(%(prefix)s || to_char(a.effective_month, 'YYYY-MM') || %(middle)s
                                  || a.old_amount::text || ' → ' || a.new_amount::text || %(suffix)s))
  FROM assistance_benefitadjustment a
 WHERE a.id = ANY(%(ids)s) AND b.id = a.benefit_id
"""


@transaction.atomic
def benefits_recompute_for_parameter(*, parameter_id: int, actor=None) -> dict:
    """Recompute the benefits a new value governs (see the module docstring). Returns counts."""
    param = PolicyParameter.objects.get(pk=parameter_id)
    programme = RAISE_KEYS.get(param.key)
    result = {"adjusted": 0, "arrears_lines": 0, "decreased": 0}
    if programme is None:
        return result
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"benefits_recompute:{param.key}"])
    codes, before = _governed(param, programme)
    if not codes:
        return result
    month = adjustment_month(param.effective_from)
    label = str(BY_KEY[param.key].label)
    reason = (_("%(label)s自 %(from)s 起调整为 %(value)s 元") % {
        "label": label, "from": param.effective_from.isoformat(), "value": _plain(param.value)})[:200]
    with connection.cursor() as cur:
        cur.execute(_ADJUST, {"param": param.pk, "new": param.value, "reason": reason, "month": month,
                              "codes": codes, "before": before, "key": param.key, "programme": programme,
                              "statuses": [str(s) for s in PAID_STATUSES]})
        ids = [row[0] for row in cur.fetchall()]
        if not ids:
            return result
        cur.execute(_APPLY, {"key": param.key, "new_text": _plain(param.value), "region": param.region_id,
                             "from": param.effective_from.isoformat(), "ids": ids,
                             "prefix": _("自 "), "middle": _(" 起%(label)s调整为 %(value)s 元：月救助金额 ")
                             % {"label": label, "value": _plain(param.value)},
                             "suffix": _(" 元/月")})
    adjustments = list(BenefitAdjustment.objects.filter(pk__in=ids).select_related("benefit__household")
                       .order_by("id"))
    period = timezone.localdate().replace(day=1)
    lines = [PaymentLine(programme=PROGRAMME, category="arrears", entitlement=arrears_key(a.pk),
                         household_id=a.benefit.household_id, region_id=a.benefit.household.community_id,
                         period=period, amount=a.arrears_amount)
             for a in adjustments if a.arrears_amount > 0]
    PaymentLine.objects.bulk_create(lines, ignore_conflicts=True)
    for household_id in sorted({a.benefit.household_id for a in adjustments}):
        mine = [a for a in adjustments if a.benefit.household_id == household_id]
        body = "；".join(
            _("%(programme)s自 %(month)s 起每月 %(new)s 元（原 %(old)s 元）") % {
                "programme": Programme(a.benefit.programme).label, "month": a.effective_month.strftime("%Y-%m"),
                "new": a.new_amount, "old": a.old_amount}
            + (_("，补发 %(n)s 个月差额 %(amount)s 元") % {"n": a.arrears_months, "amount": a.arrears_amount}
               if a.arrears_amount > 0 else "")
            for a in mine)
        notify_household(household=mine[0].benefit.household, title=_("救助标准调整通知"), body=body, sms=False)
    result = {"adjusted": len(adjustments), "arrears_lines": len(lines),
              "decreased": sum(a.new_amount < a.old_amount for a in adjustments)}
    audit_log(actor=actor, action="assistance.benefits_recomputed", obj=param, region_code=param.region_id,
              after={**result, "key": param.key, "value": param.value, "month": month,
                     "changes": [[a.benefit_id, str(a.old_amount), str(a.new_amount), str(a.arrears_amount)]
                                 for a in adjustments]})
    return result
