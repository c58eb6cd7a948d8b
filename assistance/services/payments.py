"""Monthly payment rolls. Generation is set-based and idempotent: unique keys per
benefit and month (and per subsidy round) make a second or concurrent run create nothing."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.registry.models import Region, RegionLevel

from .. import dates
from ..models import (
    PAID_STATUSES, SUBSIDY_MULTIPLIER_MAX, SUBSIDY_PER_PERSON_MAX, Payment, PaymentRoll, PaymentStatus,
    PriceSubsidyRound, Programme, RollStatus,
)
from ..workflow import PAYMENT_TRANSITIONS, ROLL_TRANSITIONS, FourEyes, MoneyTransition, four_eyes_refusal

__all__ = ["payment_roll_generate", "payment_roll_approve", "payment_roll_export", "payment_mark",
           "payment_retry", "price_subsidy_round_create", "first_of_month"]


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


_REGULAR_SQL = """
INSERT INTO assistance_payment (roll_id, benefit_id, household_id, kind, month, amount, status, attempts,
                                failure_reason, created_at)
SELECT %(roll)s, b.id, b.household_id, 'regular', %(month)s, b.monthly_amount, 'pending', 0, '', now()
  FROM assistance_benefit b
  JOIN registry_household h ON h.id = b.household_id
 WHERE h.community_id LIKE %(prefix)s
   AND b.status IN %(paid)s
   AND b.monthly_amount > 0
   AND b.start_date <= %(month_end)s
   AND (b.end_date IS NULL OR b.end_date >= %(month)s)
ON CONFLICT (benefit_id, month) WHERE kind = 'regular' DO NOTHING
"""

_SUBSIDY_SQL = """
INSERT INTO assistance_payment (roll_id, benefit_id, household_id, kind, subsidy_round_id, month, amount, status,
                                attempts, failure_reason, created_at)
SELECT %(roll)s, b.id, b.household_id, 'price_subsidy', r.id, %(month)s,
       round(r.amount_per_person * r.multiplier * b.members_covered, 2), 'pending', 0, '', now()
  FROM assistance_pricesubsidyround r
  JOIN assistance_benefit b ON b.programme = ANY(r.programmes)
  JOIN registry_household h ON h.id = b.household_id
 WHERE r.month = %(month)s
   AND h.community_id LIKE %(prefix)s
   AND b.status IN %(paid)s
   AND b.start_date <= %(month_end)s
ON CONFLICT (benefit_id, subsidy_round_id) WHERE kind = 'price_subsidy' DO NOTHING
"""

_ONE_OFF_SQL = """
UPDATE assistance_payment p SET roll_id = %(roll)s
  FROM registry_household h
 WHERE h.id = p.household_id AND p.roll_id IS NULL AND p.kind = 'one_off' AND p.month <= %(month)s
   AND h.community_id LIKE %(prefix)s
"""


def payment_roll_generate(*, district_code: str, month: dt.date, actor=None) -> tuple[PaymentRoll, int]:
    """Create (or top up, while not yet approved) the district's roll for ``month``.
    Returns (roll, number of payment lines created)."""
    month = first_of_month(dates.ROLL_MONTH.check(month, field="month"))
    if not Region.objects.filter(code=district_code, level=RegionLevel.DISTRICT).exists():
        raise ValidationError(_("区县代码 %(c)s 无效。") % {"c": district_code})
    # ``actor=None`` is the monthly beat job; a person must approve rolls in that district.
    if actor is not None and not user_can(actor, ROLL_TRANSITIONS["generate"].capability, district_code):
        raise PermissionDenied(_("发放名册须由区县民政部门生成。"))
    with transaction.atomic():
        with connection.cursor() as cur:
            # Serialises concurrent runs for the same district and month; unique keys do the rest.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"payment_roll:{district_code}:{month}"])
        roll = PaymentRoll.objects.filter(district_id=district_code, month=month).first()
        if roll is None:
            roll = PaymentRoll.objects.create(district_id=district_code, month=month, generated_by=actor)
        if roll.status not in ROLL_TRANSITIONS["generate"].sources:
            return roll, 0
        params = {"roll": roll.pk, "month": month, "month_end": _month_end(month), "prefix": district_code + "%",
                  "paid": tuple(str(s) for s in PAID_STATUSES)}
        created = 0
        with connection.cursor() as cur:
            for sql in (_REGULAR_SQL, _SUBSIDY_SQL):
                cur.execute(sql, params)
                created += cur.rowcount
            cur.execute(_ONE_OFF_SQL, params)
            created += cur.rowcount
        if created:
            # Whoever added lines last is a maker of the roll: the four-eyes rule keeps them from approving it.
            if roll.changed_by_id != getattr(actor, "pk", None):
                roll.changed_by = actor
                roll.save(update_fields=["changed_by"])
            audit_log(actor=actor, action="assistance.payment_roll_generated", obj=roll, region_code=district_code,
                      after={"month": month, "lines_added": created, "changed_by": getattr(actor, "pk", None)})
    return roll, created


def _roll_for_district_staff(actor, roll_id: int, transition: MoneyTransition) -> PaymentRoll:
    roll = PaymentRoll.objects.select_for_update().get(pk=roll_id)
    if not user_can(actor, transition.capability, roll.district_id):
        raise PermissionDenied(_("发放名册须由区县民政部门审核。"))
    return roll


def _check_money(actor, transition: MoneyTransition, obj, status: str, status_label: str) -> None:
    """State, then the four-eyes rule, from the tables in assistance.workflow."""
    if status not in transition.sources:
        raise ValidationError(_("当前状态为“%(s)s”，不能%(a)s。") % {"s": status_label, "a": transition.label})
    refusal = four_eyes_refusal(transition, obj, actor)
    if refusal:
        raise FourEyes(refusal)


@transaction.atomic
def payment_roll_approve(*, actor, roll_id: int) -> PaymentRoll:
    roll = _roll_for_district_staff(actor, roll_id, ROLL_TRANSITIONS["approve"])
    _check_money(actor, ROLL_TRANSITIONS["approve"], roll, roll.status, roll.get_status_display())
    roll.status, roll.approved_by, roll.approved_at = RollStatus.APPROVED, actor, timezone.now()
    roll.save(update_fields=["status", "approved_by", "approved_at"])
    total = sum((p.amount for p in roll.payments.all()), Decimal(0))
    audit_log(actor=actor, action="assistance.payment_roll_approved", obj=roll, region_code=roll.district_id,
              after={"lines": roll.payments.count(), "total": total, "generated_by": roll.generated_by_id,
                     "changed_by": roll.changed_by_id})
    return roll


@transaction.atomic
def payment_roll_export(*, actor, roll_id: int) -> bytes:
    """CSV for the bank with full ID numbers: permissioned and audited."""
    roll = _roll_for_district_staff(actor, roll_id, ROLL_TRANSITIONS["export"])
    if not user_can(actor, Capability.EXPORT_PERSONAL_DATA, roll.district_id):
        raise PermissionDenied(_("您无权导出个人数据。"))
    if roll.status not in ROLL_TRANSITIONS["export"].sources:
        raise ValidationError(_("名册审核后方可导出。"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "户主姓名", "身份证号", "类别", "月份", "金额（元）"])
    lines = (roll.payments.filter(status__in=[PaymentStatus.PENDING])
             .select_related("household__head").order_by("id"))
    count = 0
    for p in lines:
        head = p.household.head
        writer.writerow([p.pk, head.name if head else "", head.reveal_id_number() if head else "",
                         p.get_kind_display(), p.month.strftime("%Y-%m"), p.amount])
        count += 1
    roll.status, roll.exported_at, roll.exported_by = RollStatus.EXPORTED, timezone.now(), actor
    roll.save(update_fields=["status", "exported_at", "exported_by"])
    audit_log(actor=actor, action="assistance.payment_roll_exported", obj=roll, region_code=roll.district_id,
              after={"lines": count})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@transaction.atomic
def payment_mark(*, actor, payment_id: int, paid: bool, reason: str = "") -> Payment:
    """Record the bank's result for one line."""
    p = Payment.objects.select_for_update(of=("self",)).select_related("roll").get(pk=payment_id)
    transition = PAYMENT_TRANSITIONS["mark_paid" if paid else "mark_failed"]
    if p.roll is None or not user_can(actor, transition.capability, p.roll.district_id):
        raise PermissionDenied(_("您无权登记该笔发放结果。"))
    if p.status != PaymentStatus.PENDING:
        raise ValidationError(_("该笔发放已登记为“%(s)s”。") % {"s": p.get_status_display()})
    if p.roll.status != RollStatus.EXPORTED:
        raise ValidationError(_("名册导出银行后方可登记发放结果。"))
    _check_money(actor, transition, p, p.status,
                 p.get_status_display())
    if not paid and not reason.strip():
        raise ValidationError({"reason": _("发放失败须填写原因。")})
    p.attempts += 1
    if paid:
        p.status, p.paid_at, p.failure_reason = PaymentStatus.PAID, timezone.now(), ""
    else:
        p.status, p.failure_reason = PaymentStatus.FAILED, reason.strip()[:200]
    p.marked_by = actor
    p.save(update_fields=["status", "paid_at", "failure_reason", "attempts", "marked_by"])
    audit_log(actor=actor, action="assistance.payment_marked", obj=p, region_code=p.roll.district_id,
              after={"status": p.status, "reason": p.failure_reason, "exported_by": p.roll.exported_by_id})
    return p


@transaction.atomic
def payment_retry(*, actor, payment_id: int) -> Payment:
    p = Payment.objects.select_for_update(of=("self",)).select_related("roll").get(pk=payment_id)
    if p.roll is None or not user_can(actor, PAYMENT_TRANSITIONS["retry"].capability, p.roll.district_id):
        raise PermissionDenied(_("您无权重发该笔款项。"))
    if p.status not in PAYMENT_TRANSITIONS["retry"].sources:
        raise ValidationError(_("只有发放失败的款项可以重发。"))
    p.status, p.marked_by = PaymentStatus.PENDING, actor
    p.save(update_fields=["status", "marked_by"])
    audit_log(actor=actor, action="assistance.payment_retried", obj=p, region_code=p.roll.district_id)
    return p


@transaction.atomic
def price_subsidy_round_create(*, actor, name: str, month: dt.date, amount_per_person: Decimal,
                               multiplier: Decimal = Decimal("1"), programmes: list[str]) -> PriceSubsidyRound:
    if not (getattr(actor, "is_superuser", False) or user_can(actor, Capability.EDIT_PARAMETERS, "3302")):
        raise PermissionDenied(_("物价补贴由市级管理员设置。"))
    if not programmes or any(p not in Programme.values for p in programmes):
        raise ValidationError({"programmes": _("请选择适用的救助项目。")})
    if amount_per_person <= 0 or multiplier <= 0:
        raise ValidationError(_("金额和倍数必须大于零。"))
    if amount_per_person > SUBSIDY_PER_PERSON_MAX:
        raise ValidationError({"amount_per_person": _("每人金额不能超过 %(max)s 元。") % {"max": SUBSIDY_PER_PERSON_MAX}})
    if multiplier > SUBSIDY_MULTIPLIER_MAX:
        raise ValidationError({"multiplier": _("倍数不能超过 %(max)s。") % {"max": SUBSIDY_MULTIPLIER_MAX}})
    dates.SUBSIDY_MONTH.check(month, field="month")
    try:
        with transaction.atomic():
            r = PriceSubsidyRound.objects.create(name=name.strip(), month=first_of_month(month),
                                                 amount_per_person=amount_per_person, multiplier=multiplier,
                                                 programmes=sorted(set(programmes)), created_by=actor)
    except IntegrityError as exc:
        raise ValidationError(str(exc)) from exc
    audit_log(actor=actor, action="assistance.price_subsidy_created", obj=r,
              after={"month": r.month, "amount": amount_per_person, "multiplier": multiplier,
                     "programmes": r.programmes})
    return r
