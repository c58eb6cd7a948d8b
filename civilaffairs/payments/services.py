"""Payment rolls and lines for every programme. Generation is set-based and idempotent: one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` per programme and district, on the unique key of a
regular line (entitlement, period), so a second or concurrent run creates nothing. Every write is
audited in its transaction; no name, ID number or bank account goes into an audit payload."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.crypto import encrypt_text
from civilaffairs.lib.dates import DateRule
from civilaffairs.lib.errors import StateConflict
from civilaffairs.registry.models import Household, Person, Region, RegionLevel

from .models import LINE_AMOUNT_MAX, BankAccount, LineKind, LineStatus, PaymentLine, PaymentRoll, RollStatus
from .sources import PayableSource, source_for, source_select, sources
from .workflow import PAYMENT_TRANSITIONS, ROLL_TRANSITIONS, FourEyes, MoneyTransition, four_eyes_refusal

__all__ = ["payment_roll_generate", "payment_rolls_generate_district", "payment_roll_approve",
           "payment_roll_export", "payment_line_add", "payment_mark", "payment_retry", "payment_line_reverse",
           "payment_lines_suspend_deceased", "payment_lines_suspend_for_batch", "bank_account_set",
           "first_of_month", "roll_totals", "ROLL_MONTH"]

ROLL_MONTH = DateRule(gettext_lazy("发放月份"), past=12, future=1, months=True,
                      why=gettext_lazy("最早为 12 个月前，最迟为下个月"))


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


_INSERT_LINES = """
INSERT INTO payments_paymentline (roll_id, programme, category, entitlement, person_id, household_id, region_id,
                                  period, amount, kind, status, attempts, failure_reason, created_at)
SELECT %s, %s, s.category, s.entitlement, s.person_id, s.household_id, s.region_id, %s, s.amount,
       'regular', 'pending', 0, '', now()
  FROM ({source}) AS s (entitlement, category, person_id, household_id, region_id, amount)
 WHERE s.region_id LIKE %s AND s.amount > 0
ON CONFLICT (entitlement, period) WHERE kind = 'regular' DO NOTHING
"""

# Lines a programme added outside the month's source (a one-off payment decided during the month):
# the next roll of their district and programme takes them.
_ATTACH_UNROLLED = """
UPDATE payments_paymentline SET roll_id = %s
 WHERE roll_id IS NULL AND programme = %s AND period <= %s AND region_id LIKE %s
"""


def _check_district(district_code: str) -> None:
    if not Region.objects.filter(code=district_code, level=RegionLevel.DISTRICT).exists():
        raise ValidationError(_("区县代码 %(c)s 无效。") % {"c": district_code})


def payment_roll_generate(*, district_code: str, month: dt.date, programme: str,
                          actor=None, keep_empty: bool = True) -> tuple[PaymentRoll | None, int]:
    """Create (or top up, while not yet approved) the roll of ``programme`` in the district for
    ``month``. Returns (roll, number of lines added). ``actor=None``: the monthly beat job."""
    month = first_of_month(ROLL_MONTH.check(month, field="month"))
    _check_district(district_code)
    source = source_for(programme)
    if source is None:
        raise ValidationError({"programme": _("项目 %(p)s 没有登记发放来源。") % {"p": programme}})
    if actor is not None and not user_can(actor, ROLL_TRANSITIONS["generate"].capability, district_code):
        raise PermissionDenied(_("发放名册须由区县民政部门生成。"))
    with transaction.atomic():
        with connection.cursor() as cur:
            # Serialises concurrent runs for the same roll; the unique key does the rest.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                        [f"payment_roll:{district_code}:{programme}:{month}"])
        # The row lock: an approval (which locks the roll) and a top-up never interleave.
        roll = (PaymentRoll.objects.select_for_update()
                .filter(district_id=district_code, programme=programme, month=month).first())
        new = roll is None
        if new:
            roll = PaymentRoll.objects.create(district_id=district_code, programme=programme, month=month,
                                              generated_by=actor)
        if roll.status not in ROLL_TRANSITIONS["generate"].sources:
            return roll, 0
        created = _insert_lines(source, roll)
        if new and not created and not keep_empty:
            roll.delete()  # a programme with nothing to pay in the district this month gets no roll
            return None, 0
        if created:
            # Whoever added lines last is a maker of the roll: the four-eyes rule keeps them from approving it.
            roll.changed_by, roll.changed_at = actor, timezone.now()
            roll.save(update_fields=["changed_by", "changed_at"])
            audit_log(actor=actor, action="payments.roll_generated", obj=roll, region_code=district_code,
                      after={"programme": programme, "month": month, "lines_added": created,
                             "changed_by": getattr(actor, "pk", None)})
    return roll, created


def _insert_lines(source: PayableSource, roll: PaymentRoll) -> int:
    sql, params = source_select(source, month=roll.month, month_end=month_end(roll.month),
                                district_code=roll.district_id)
    prefix = roll.district_id + "%"
    with connection.cursor() as cur:
        cur.execute(_INSERT_LINES.replace("{source}", sql),
                    [roll.pk, roll.programme, roll.month, *params, prefix])
        created = cur.rowcount
        cur.execute(_ATTACH_UNROLLED, [roll.pk, roll.programme, roll.month, prefix])
        created += cur.rowcount
    return created


def payment_rolls_generate_district(*, district_code: str, month: dt.date, actor=None) -> list[tuple[PaymentRoll, int]]:
    """Every registered programme's roll in one district (the beat job, the "generate" button); a
    programme with nothing to pay there this month gets no empty roll."""
    results = [payment_roll_generate(district_code=district_code, month=month, programme=s.programme, actor=actor,
                                     keep_empty=False) for s in sources()]
    return [(roll, created) for roll, created in results if roll is not None]


def _roll_for_district_staff(actor, roll_id: int, transition: MoneyTransition) -> PaymentRoll:
    # The row lock serialises concurrent approvals (and approval against a top-up) of one roll.
    roll = PaymentRoll.objects.select_for_update().get(pk=roll_id)
    if not user_can(actor, transition.capability, roll.district_id):
        raise PermissionDenied(_("发放名册须由区县民政部门审核。"))
    return roll


def _check_money(actor, transition: MoneyTransition, obj, status: str, status_label: str) -> None:
    """State, then the four-eyes rule, from the tables in civilaffairs.payments.workflow."""
    if status not in transition.sources:
        raise StateConflict(_("当前状态为“%(s)s”，不能%(a)s。") % {"s": status_label, "a": transition.label})
    refusal = four_eyes_refusal(transition, obj, actor)
    if refusal:
        raise FourEyes(refusal)


def roll_totals(roll: PaymentRoll) -> dict:
    totals = roll.lines.aggregate(
        lines=Count("id"), total=Sum("amount"),
        pending=Count("id", filter=Q(status=LineStatus.PENDING, kind=LineKind.REGULAR)),
        paid=Count("id", filter=Q(status=LineStatus.PAID)), failed=Count("id", filter=Q(status=LineStatus.FAILED)),
        suspended=Count("id", filter=Q(status=LineStatus.SUSPENDED)),
        reversals=Count("id", filter=Q(kind=LineKind.REVERSAL)))
    totals["total"] = totals["total"] or Decimal("0.00")
    return totals


@transaction.atomic
def payment_roll_approve(*, actor, roll_id: int) -> PaymentRoll:
    roll = _roll_for_district_staff(actor, roll_id, ROLL_TRANSITIONS["approve"])
    _check_money(actor, ROLL_TRANSITIONS["approve"], roll, roll.status, roll.get_status_display())
    roll.status, roll.approved_by, roll.approved_at = RollStatus.APPROVED, actor, timezone.now()
    roll.save(update_fields=["status", "approved_by", "approved_at"])
    totals = roll_totals(roll)
    audit_log(actor=actor, action="payments.roll_approved", obj=roll, region_code=roll.district_id,
              after={"programme": roll.programme, "lines": totals["lines"], "total": totals["total"],
                     "generated_by": roll.generated_by_id, "changed_by": roll.changed_by_id})
    return roll


def current_accounts(lines) -> dict[tuple[str, int], BankAccount]:
    """The current account of each (person_id, household_id) payee: keys ("p", id) and ("h", id)."""
    person_ids = {p for p, _h in lines if p}
    household_ids = {h for _p, h in lines if h}
    found = {}
    for acc in BankAccount.objects.filter(Q(person_id__in=person_ids) | Q(household_id__in=household_ids),
                                          is_current=True):
        found[("p", acc.person_id) if acc.person_id else ("h", acc.household_id)] = acc
    return found


@transaction.atomic
def payment_roll_export(*, actor, roll_id: int) -> bytes:
    """CSV for the bank with full ID numbers and bank accounts: permissioned and audited. Lists the
    pending regular lines that are not reversed (a suspended or reversed line is not paid)."""
    roll = _roll_for_district_staff(actor, roll_id, ROLL_TRANSITIONS["export"])
    if not user_can(actor, Capability.EXPORT_PERSONAL_DATA, roll.district_id):
        raise PermissionDenied(_("您无权导出个人数据。"))
    if roll.status not in ROLL_TRANSITIONS["export"].sources:
        raise StateConflict(_("名册审核后方可导出。"))
    lines = list(roll.lines.filter(status=LineStatus.PENDING, kind=LineKind.REGULAR, reversals__isnull=True)
                 .select_related("person", "household__head").order_by("id"))
    accounts = current_accounts([(p.person_id, p.household_id) for p in lines])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "领款人姓名", "身份证号", "开户银行", "银行账号", "类别", "月份", "金额（元）"])
    without_account = 0
    for p in lines:
        payee = p.person or (p.household.head if p.household else None)
        acc = accounts.get(("p", p.person_id)) if p.person_id else None
        if acc is None and p.household_id:
            acc = accounts.get(("h", p.household_id))
        if acc is None and payee is not None:
            acc = accounts.get(("p", payee.pk))
        without_account += acc is None
        writer.writerow([p.pk, payee.name if payee else "", payee.reveal_id_number() if payee else "",
                         acc.bank_name if acc else "", acc.reveal_account() if acc else "",
                         p.category_label, p.period.strftime("%Y-%m"), p.amount])
    roll.status, roll.exported_at, roll.exported_by = RollStatus.EXPORTED, timezone.now(), actor
    roll.save(update_fields=["status", "exported_at", "exported_by"])
    audit_log(actor=actor, action="payments.roll_exported", obj=roll, region_code=roll.district_id,
              after={"programme": roll.programme, "lines": len(lines), "without_account": without_account})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _check_amount(amount: Decimal) -> Decimal:
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise ValidationError({"amount": _("金额无效。")}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": _("发放金额必须是不小于零的有效金额。")})
    if amount > LINE_AMOUNT_MAX:
        raise ValidationError({"amount": _("单笔发放金额不能超过 %(max)s 元。") % {"max": LINE_AMOUNT_MAX}})
    return amount.quantize(Decimal("0.01"))


def payment_line_add(*, programme: str, entitlement: str, category: str, period: dt.date, amount: Decimal,
                     household: Household | None = None, person: Person | None = None,
                     actor=None) -> PaymentLine:
    """A line decided outside the month's source (a one-off payment); the next roll of its district and
    programme takes it. Called inside the programme's own transaction (its decision) and audited there."""
    if household is None and person is None:
        raise ValidationError(_("发放明细须有领款人。"))
    region_id = household.community_id if household is not None else _person_region(person)
    line = PaymentLine.objects.create(programme=programme, entitlement=entitlement, category=category,
                                      person=person, household=household, region_id=region_id,
                                      period=first_of_month(period), amount=_check_amount(amount))
    return line


def _person_region(person: Person) -> str:
    from civilaffairs.registry.models import HouseholdMember

    community = (HouseholdMember.objects.filter(person=person, is_active=True).order_by("-id")
                 .values_list("household__community_id", flat=True).first())
    if community is None:
        raise ValidationError(_("领款人没有登记户籍所在社区，不能发放。"))
    return community


def _line_for_district_staff(actor, line_id: int, message: str, transition: MoneyTransition) -> PaymentLine:
    line = PaymentLine.objects.select_for_update(of=("self",)).select_related("roll").get(pk=line_id)
    district = line.roll.district_id if line.roll_id else line.region_id[:6]
    if not user_can(actor, transition.capability, district):
        raise PermissionDenied(message)
    return line


@transaction.atomic
def payment_mark(*, actor, payment_id: int, paid: bool, reason: str = "") -> PaymentLine:
    """Record the bank's result for one line."""
    p = _line_for_district_staff(actor, payment_id, _("您无权登记该笔发放结果。"), PAYMENT_TRANSITIONS["mark_paid"])
    if p.roll is None:
        raise PermissionDenied(_("您无权登记该笔发放结果。"))
    if p.kind != LineKind.REGULAR:
        raise ValidationError(_("冲正明细不登记银行结果。"))
    if p.status != LineStatus.PENDING:
        raise StateConflict(_("该笔发放已登记为“%(s)s”。") % {"s": p.get_status_display()})
    if p.roll.status != RollStatus.EXPORTED:
        raise StateConflict(_("名册导出银行后方可登记发放结果。"))
    _check_money(actor, PAYMENT_TRANSITIONS["mark_paid" if paid else "mark_failed"], p, p.status,
                 p.get_status_display())
    if not paid and not reason.strip():
        raise ValidationError({"reason": _("发放失败须填写原因。")})
    if paid and PaymentLine.objects.filter(reverses=p, marked_by=actor).exists():
        # Reversing a line and recording it paid are two steps on the same money: two people.
        raise FourEyes(_("冲正该笔款项的人不能登记其为已发放，须由另一人对账登记。"))
    p.attempts += 1
    if paid:
        p.status, p.paid_at, p.failure_reason = LineStatus.PAID, timezone.now(), ""
    else:
        p.status, p.failure_reason = LineStatus.FAILED, reason.strip()[:200]
    p.marked_by = actor
    p.save(update_fields=["status", "paid_at", "failure_reason", "attempts", "marked_by"])
    audit_log(actor=actor, action="payments.line_marked", obj=p, region_code=p.roll.district_id,
              after={"status": p.status, "reason": p.failure_reason, "exported_by": p.roll.exported_by_id})
    return p


@transaction.atomic
def payment_retry(*, actor, payment_id: int) -> PaymentLine:
    p = _line_for_district_staff(actor, payment_id, _("您无权重发该笔款项。"), PAYMENT_TRANSITIONS["retry"])
    if p.roll is None:
        raise PermissionDenied(_("您无权重发该笔款项。"))
    if p.status not in PAYMENT_TRANSITIONS["retry"].sources or p.kind != LineKind.REGULAR:
        raise StateConflict(_("只有发放失败的款项可以重发。"))
    if PaymentLine.objects.filter(reverses=p).exists():
        raise StateConflict(_("该笔款项已冲正，不能重发。"))
    p.status, p.marked_by = LineStatus.PENDING, actor
    p.save(update_fields=["status", "marked_by"])
    audit_log(actor=actor, action="payments.line_retried", obj=p, region_code=p.roll.district_id)
    return p


def _open_roll_for(*, actor, district_code: str, programme: str) -> PaymentRoll:
    """The roll a line added by hand joins: the district's earliest roll of the programme from this month on
    that still waits for approval, or a new one for the first month from this month on without a roll.
    The one who adds the line becomes the roll's last maker, so someone else must approve it."""
    month = first_of_month(timezone.localdate())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"payment_open_roll:{district_code}:{programme}"])
    rolls = PaymentRoll.objects.select_for_update().filter(district_id=district_code, programme=programme,
                                                          month__gte=month)
    roll = rolls.filter(status=RollStatus.GENERATED).order_by("month").first()
    if roll is None:
        taken = set(rolls.values_list("month", flat=True))
        while month in taken:
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        roll = PaymentRoll.objects.create(district_id=district_code, programme=programme, month=month,
                                          generated_by=actor)
        audit_log(actor=actor, action="payments.roll_generated", obj=roll, region_code=district_code,
                  after={"programme": programme, "month": month, "lines_added": 0, "for": "reversal"})
    return roll


@transaction.atomic
def payment_line_reverse(*, actor, payment_id: int, reason: str) -> PaymentLine:
    """Undo a line with a negative line of the same amount pointing at it (never a delete, once per line).
    The original keeps its row and status. The reversal joins the district's next open roll (one still
    waiting for approval, or a new one), never the original's roll once that is approved or exported: the
    reversal is money like any other and passes the same approval by a second person before export."""
    p = _line_for_district_staff(actor, payment_id, _("您无权冲正该笔款项。"), PAYMENT_TRANSITIONS["reverse"])
    if p.kind != LineKind.REGULAR:
        raise ValidationError(_("冲正明细不能再冲正。"))
    if PaymentLine.objects.filter(reverses=p).exists():
        raise StateConflict(_("该笔款项已冲正，不能重复冲正。"))
    _check_money(actor, PAYMENT_TRANSITIONS["reverse"], p, p.status, p.get_status_display())
    if not reason.strip():
        raise ValidationError({"reason": _("冲正须填写原因。")})
    if p.amount == 0:
        raise ValidationError(_("金额为零的款项无需冲正。"))
    district = p.roll.district_id if p.roll_id else p.region_id[:6]
    if p.roll_id and p.roll.status == RollStatus.GENERATED:
        roll = PaymentRoll.objects.select_for_update().get(pk=p.roll_id)
    else:
        roll = _open_roll_for(actor=actor, district_code=district, programme=p.programme)
    rev = PaymentLine.objects.create(
        roll=roll, programme=p.programme, category=p.category, entitlement=p.entitlement, person=p.person,
        household=p.household, region=p.region, period=p.period, amount=-p.amount, kind=LineKind.REVERSAL,
        reverses=p, status=LineStatus.PENDING, failure_reason=reason.strip()[:200], marked_by=actor)
    roll.changed_by, roll.changed_at = actor, timezone.now()
    roll.save(update_fields=["changed_by", "changed_at"])
    audit_log(actor=actor, action="payments.line_reversed", obj=rev, region_code=p.region_id,
              after={"reverses": p.pk, "amount": rev.amount, "original_status": p.status,
                     "reason": rev.failure_reason, "roll": roll.pk, "original_roll": p.roll_id})
    return rev


@transaction.atomic
def payment_lines_suspend_deceased(*, person_ids=None, actor=None, source: str = "") -> int:
    """Suspend, set-based, the pending lines paid to a person who has died (``Person.death_date`` set, or a
    DEATH department record), and the pending lines of a household whose only member has died.
    ``person_ids``: limit to these people (the ones a death record just named). Returns the count."""
    from civilaffairs.registry.models import DepartmentRecord, FactStatus, HouseholdMember, RecordKind

    # only a current death fact counts (a revoked or corrected one does not: facts.reader)
    dead = Person.objects.filter(Q(death_date__isnull=False)
                                 | Q(pk__in=DepartmentRecord.objects.filter(kind=RecordKind.DEATH,
                                                                            status=FactStatus.CURRENT,
                                                                            person__isnull=False)
                                     .values("person_id")))
    if person_ids is not None:
        dead = dead.filter(pk__in=person_ids if isinstance(person_ids, QuerySet) else list(person_ids))
    dead_ids = dead.values("pk")
    alive_members = HouseholdMember.objects.filter(is_active=True).exclude(person_id__in=dead_ids)
    households_gone = (HouseholdMember.objects.filter(person_id__in=dead_ids).values("household_id")
                       .exclude(household_id__in=alive_members.values("household_id")))
    lines = PaymentLine.objects.filter(Q(person_id__in=dead_ids) | Q(person__isnull=True,
                                                                      household_id__in=households_gone),
                                       status=LineStatus.PENDING, kind=LineKind.REGULAR)
    count = lines.update(status=LineStatus.SUSPENDED, failure_reason=_("领款人已死亡，暂停发放。"))
    if count:
        audit_log(actor=actor, action="payments.lines_suspended_death", object_type="payments.paymentline",
                  after={"lines": count, "source": source[:50]})
    return count


def payment_lines_suspend_for_batch(*, batch_id: int, actor=None) -> int:
    """The hook of a department-data import: the people its DEATH records name."""
    from civilaffairs.registry.models import DepartmentRecord, RecordKind

    named = DepartmentRecord.objects.filter(batch_id=batch_id, kind=RecordKind.DEATH, status="current",
                                            person__isnull=False)
    if not named.exists():
        return 0
    return payment_lines_suspend_deceased(person_ids=named.values("person_id"), actor=actor,
                                          source=f"import_batch:{batch_id}")


_ACCOUNT_RE = re.compile(r"^[0-9]{8,30}$")


def mask_account(number: str) -> str:
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


@transaction.atomic
def bank_account_set(*, actor, bank_name: str, account_number: str, person: Person | None = None,
                     household: Household | None = None) -> BankAccount:
    """Record the account a person or household is paid into; the previous one stops being current.
    The number is stored encrypted and shown masked; the audit event carries only the masked form."""
    if (person is None) == (household is None):
        raise ValidationError(_("银行账户须属于一个人或一户家庭。"))
    number = re.sub(r"[\s-]", "", account_number or "")
    if not _ACCOUNT_RE.match(number):
        raise ValidationError({"account_number": _("银行账号应为 8 至 30 位数字。")})
    bank_name = (bank_name or "").strip()
    if not bank_name or len(bank_name) > 100:
        raise ValidationError({"bank_name": _("请填写开户银行（不超过 100 字）。")})
    region_id = household.community_id if household is not None else _person_region(person)
    if not user_can(actor, Capability.REVEAL_ID, region_id):
        raise PermissionDenied(_("您无权登记该领款人的银行账户。"))
    owner = {"person": person} if person is not None else {"household": household}
    BankAccount.objects.filter(is_current=True, **owner).update(is_current=False)
    acc = BankAccount.objects.create(bank_name=bank_name, account_encrypted=encrypt_text(number),
                                     account_masked=mask_account(number), region_id=region_id,
                                     created_by=actor, **owner)
    audit_log(actor=actor, action="payments.bank_account_set", obj=acc, region_code=region_id,
              after={"owner": "person" if person is not None else "household",
                     "owner_id": (person or household).pk, "bank": bank_name})
    return acc
