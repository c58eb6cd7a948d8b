"""Service credit (养老服务补贴): the monthly issue, spending with contracted providers, reversal, expiry.

Who gets how much: a disabled elder (a 失能 grade in force, ``eldercare.selectors.grade_sql``) registered
where the subsidy applies, by economic status (特困 / 低保 / 低边 / other, ``eldercare.rules.economic_status_sql``)
× grade (mild / moderate / severe-or-total), each cell a dated region parameter (``service_subsidy_*``);
0 means none. ``subsidy_sql`` (the monthly issue) and ``subsidy_on`` (the elder's page) are twins.

The ledger's invariant: ``CreditAccount.balance`` = the sum of its entries. Every write here moves
both in one transaction, with the account row locked (``SELECT … FOR UPDATE`` or the UPDATE's own row
lock); the balance cannot go negative (CheckConstraint) and a spend above the balance is refused with
the balance in the message. Credit is never cashed out: the only way out is a spend with an ACTIVE
organisation of type service_provider / home_care_centre (the home-service orders call ``credit_spend``),
or expiry after ``service_credit_expiry_months`` months (oldest credit is spent first, so what expires is
what is left beyond the credit issued in the window).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from civilaffairs.audit.services import audit_log

from ..models import CreditAccount, CreditEntry, CreditEntryKind
from ..rules import Economic, economic_status_on, economic_status_sql, param_at, param_sql
from ..selectors import elders_sql, grade_on, grade_sql

SPEND_ORGANISATION_TYPES = ("service_provider", "home_care_centre")
SPEND_MAX = Decimal("20000.00")
REFERENCE_MAX = 64
EXPIRY_KEY = "service_credit_expiry_months"
GRADE_GROUP = {1: "mild", 2: "moderate", 3: "severe", 4: "severe"}


def subsidy_key(status: str, grade: int) -> str:
    return f"service_subsidy_{status}_{GRADE_GROUP[grade]}"


SUBSIDY_KEYS = tuple(subsidy_key(s, g) for s in (*Economic.ORDER, Economic.OTHER) for g in (1, 2, 3))


def subsidy_sql(target: str = "true") -> str:
    """One row per elder of ``target`` with a 失能 grade in force on %(on)s and a community:
    person_id, community_id, status, grade, amount (NULL where the subsidy does not apply)."""
    cases = " ".join(f"WHEN e.status = '{s}' AND e.grade IN ({', '.join(str(g) for g, grp in GRADE_GROUP.items() if grp == group)}) "
                     f"THEN ({param_sql(f'service_subsidy_{s}_{group}', 'e.registered_region_id')})"
                     for s in (*Economic.ORDER, Economic.OTHER) for group in ("mild", "moderate", "severe"))
    return f"""
    SELECT e.person_id, e.community_id, e.status, e.grade, round(CASE {cases} END, 2) AS amount
    FROM (SELECT el.person_id, el.community_id, p.registered_region_id, g.grade,
                 {economic_status_sql("el.person_id")} AS status
          FROM ({elders_sql(target)}) el
          JOIN registry_person p ON p.id = el.person_id
          JOIN LATERAL ({grade_sql("el.person_id")}) g ON true
          WHERE g.grade IN (1, 2, 3, 4) AND el.community_id <> ''
            AND NOT EXISTS (SELECT 1 FROM registry_departmentrecord d WHERE d.person_id = p.id AND d.kind = 'death'
                            AND d.status = 'current' AND d.period_start <= %(on)s::date)) e"""


def subsidy_on(person, on: dt.date) -> dict | None:
    """Python twin of one row of ``subsidy_sql`` (None: not a disabled elder with a community)."""
    from ..rules import died_on
    from ..selectors import household_of, is_elder

    if not is_elder(person, on) or died_on(person, on) is not None:
        return None
    membership = household_of(person)
    grade = grade_on(person.pk, on)
    if membership is None or grade not in GRADE_GROUP:
        return None
    status = economic_status_on(person.pk, on)
    value = param_at(subsidy_key(status, grade), person.registered_region_id, on)
    amount = Decimal(value).quantize(Decimal("0.01")) if value is not None else None
    return {"person_id": person.pk, "community_id": membership.household.community_id, "status": status,
            "grade": grade, "amount": amount}


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- the monthly issue ---------------------------------------------------------------------------

_OPEN_ACCOUNTS = """
INSERT INTO eldercare_creditaccount (person_id, community_id, balance, created_at, updated_at)
SELECT s.person_id, s.community_id, 0, now(), now() FROM ({subsidy}) s WHERE s.amount > 0
ON CONFLICT (person_id) DO UPDATE SET community_id = EXCLUDED.community_id
WHERE eldercare_creditaccount.community_id IS DISTINCT FROM EXCLUDED.community_id
"""

_ISSUE = """
WITH s AS MATERIALIZED ({subsidy}),
ins AS (
    INSERT INTO eldercare_creditentry (account_id, kind, amount, period, reference, note, created_at)
    SELECT a.id, 'issued', s.amount, %(month)s, %(reference)s,
           left('养老服务补贴：' || CASE s.status WHEN 'tekun' THEN '特困' WHEN 'dibao' THEN '低保'
                WHEN 'dibian' THEN '低边' ELSE '其他' END || '·' || CASE s.grade WHEN 1 THEN '轻度失能'
                WHEN 2 THEN '中度失能' WHEN 3 THEN '重度失能' ELSE '完全失能' END, 200), now()
    FROM s JOIN eldercare_creditaccount a ON a.person_id = s.person_id
    WHERE s.amount > 0
    ON CONFLICT (account_id, kind, period) WHERE kind = 'issued' DO NOTHING
    RETURNING account_id, amount
)
UPDATE eldercare_creditaccount c SET balance = c.balance + ins.amount, updated_at = now()
FROM ins WHERE c.id = ins.account_id
RETURNING c.id, ins.amount
"""


@transaction.atomic
def credit_issue_month(*, month: dt.date, actor=None) -> tuple[int, Decimal]:
    """Issue the month's subsidy as credit to every disabled elder it applies to (evaluated on the
    month's first day), opening accounts as needed. Set-based; issuing a month twice adds nothing.
    Returns (entries issued, total)."""
    month = _month(month)
    params = {"on": month, "month": month, "reference": f"subsidy:{month:%Y-%m}"}
    subsidy = subsidy_sql()
    with connection.cursor() as cur:
        cur.execute(_OPEN_ACCOUNTS.format(subsidy=subsidy), params)
        cur.execute(_ISSUE.format(subsidy=subsidy), params)
        rows = cur.fetchall()
    total = sum((r[1] for r in rows), Decimal("0.00"))
    audit_log(actor=actor, action="eldercare.credit_issued", object_type="eldercare.creditentry",
              object_id=f"{month:%Y-%m}", after={"month": month, "entries": len(rows), "total": str(total)})
    return len(rows), total


# --- spending with a provider ----------------------------------------------------------------------

def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"amount": _("请填写正确的金额。")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": _("金额须大于 0。")})
    if amount > SPEND_MAX:
        raise ValidationError({"amount": _("单次金额不能超过 %(max)s 元。") % {"max": SPEND_MAX}})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("金额最多两位小数（分）。")})
    return amount


def _check_provider(organisation) -> None:
    from civilaffairs.accounts.models import OrganisationStatus

    if organisation is None:
        raise ValidationError({"organisation": _("请指定服务机构。")})
    if organisation.type not in SPEND_ORGANISATION_TYPES:
        raise ValidationError({"organisation": _("服务额度只能用于签约服务商或居家养老服务中心的服务订单。")})
    if organisation.status != OrganisationStatus.ACTIVE:
        raise ValidationError({"organisation": _("该服务机构目前不可接单（%(s)s）。") % {
            "s": organisation.get_status_display()}})


@transaction.atomic
def credit_spend(*, account: CreditAccount | int, amount, organisation, reference: str, actor=None) -> CreditEntry:
    """Spend credit on a service order (``reference``: the order's number) with an active contracted
    provider. Never cash. The same order spent twice returns the first entry; more than the balance is
    refused with the balance, and nothing is written."""
    amount = _amount(amount)
    _check_provider(organisation)
    reference = (reference or "").strip()
    if not reference or len(reference) > REFERENCE_MAX:
        raise ValidationError({"reference": _("请填写订单编号（不超过 %(n)d 个字符）。") % {"n": REFERENCE_MAX}})
    account_id = account.pk if isinstance(account, CreditAccount) else int(account)
    locked = CreditAccount.objects.select_for_update().filter(pk=account_id).first()
    if locked is None:
        raise ValidationError({"account": _("服务额度账户不存在。")})
    existing = CreditEntry.objects.filter(account=locked, kind=CreditEntryKind.SPENT, reference=reference).first()
    if existing is not None:
        if existing.amount != -amount or existing.organisation_id != organisation.pk:
            raise ValidationError({"reference": _("该订单已用服务额度支付过，金额或机构不同。")})
        return existing
    if locked.balance < amount:
        raise ValidationError({"amount": _("服务额度余额不足：余额 %(balance)s 元，本次需 %(amount)s 元。") % {
            "balance": locked.balance, "amount": amount}})
    entry = CreditEntry.objects.create(account=locked, kind=CreditEntryKind.SPENT, amount=-amount,
                                       reference=reference, organisation=organisation, actor=actor,
                                       note=_("服务订单消费"))
    CreditAccount.objects.filter(pk=locked.pk).update(balance=locked.balance - amount)
    audit_log(actor=actor, action="eldercare.credit_spent", obj=entry, region_code=locked.community_id,
              after={"account": locked.pk, "amount": str(amount), "organisation": organisation.pk,
                     "reference": reference, "balance": str(locked.balance - amount)})
    return entry


@transaction.atomic
def credit_spend_reverse(*, entry_id: int, reason: str, actor=None) -> CreditEntry:
    """Give back the credit of a spend (the order was cancelled): a ``reversed`` entry, once per spend."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    spent = CreditEntry.objects.filter(pk=entry_id, kind=CreditEntryKind.SPENT).first()
    if spent is None:
        raise ValidationError(_("只有消费流水可以冲正。"))
    account = CreditAccount.objects.select_for_update().get(pk=spent.account_id)
    if CreditEntry.objects.filter(kind=CreditEntryKind.REVERSED, related=spent).exists():
        raise ValidationError(_("该笔消费已冲正。"))
    entry = CreditEntry.objects.create(account=account, kind=CreditEntryKind.REVERSED, amount=-spent.amount,
                                       reference=spent.reference, related=spent, actor=actor, note=reason[:200])
    CreditAccount.objects.filter(pk=account.pk).update(balance=account.balance - spent.amount)
    audit_log(actor=actor, action="eldercare.credit_reversed", obj=entry, region_code=account.community_id,
              after={"account": account.pk, "amount": str(-spent.amount), "spent_entry": spent.pk})
    return entry


# --- expiry ----------------------------------------------------------------------------------------

_EXPIRE = """
WITH locked AS MATERIALIZED (
    SELECT c.id, c.balance, c.community_id FROM eldercare_creditaccount c
    WHERE c.balance > 0 AND c.community_id <> '' ORDER BY c.id FOR UPDATE
),
due AS MATERIALIZED (
    SELECT l.id, l.balance - coalesce((
               SELECT sum(e.amount) FROM eldercare_creditentry e
               WHERE e.account_id = l.id AND e.kind = 'issued'
                 AND e.period > %(on)s::date - make_interval(months => n.months::int)), 0) AS amount
    FROM locked l
    CROSS JOIN LATERAL ({months}) n(months)
    WHERE n.months IS NOT NULL
),
ins AS (
    INSERT INTO eldercare_creditentry (account_id, kind, amount, period, reference, note, created_at)
    SELECT d.id, 'expired', -d.amount, %(on)s, %(reference)s, '超过有效期未使用的服务额度', now()
    FROM due d WHERE d.amount > 0
    ON CONFLICT (account_id, kind, period) WHERE kind = 'expired' DO NOTHING
    RETURNING account_id, amount
)
UPDATE eldercare_creditaccount c SET balance = c.balance + ins.amount, updated_at = now()
FROM ins WHERE c.id = ins.account_id
RETURNING c.id, ins.amount
"""


@transaction.atomic
def credit_expire_month(*, month: dt.date, actor=None) -> tuple[int, Decimal]:
    """Expire, in ``month``, the credit issued more than ``service_credit_expiry_months`` months before
    and still unused (the balance beyond what was issued within the window). Once per account and month.
    Returns (entries, total expired, positive)."""
    month = _month(month)
    months = f"SELECT ({param_sql(EXPIRY_KEY, 'l.community_id')})"
    with connection.cursor() as cur:
        cur.execute(_EXPIRE.format(months=months), {"on": month, "reference": f"expiry:{month:%Y-%m}"})
        rows = cur.fetchall()
    total = -sum((r[1] for r in rows), Decimal("0.00"))
    audit_log(actor=actor, action="eldercare.credit_expired", object_type="eldercare.creditentry",
              object_id=f"{month:%Y-%m}", after={"month": month, "entries": len(rows), "total": str(total)})
    return len(rows), total


def credit_balance_recomputed(account_id: int) -> Decimal:
    """The sum of the account's entries (what ``balance`` must equal)."""
    from django.db.models import Sum

    return CreditEntry.objects.filter(account_id=account_id).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
