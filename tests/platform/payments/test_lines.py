"""One line's life: the bank's result, retry, reversal (a negative line, never a delete), suspension on death."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civilaffairs.audit.models import AuditEvent
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import LineKind, LineStatus, PaymentLine, RollStatus
from civilaffairs.payments.workflow import FourEyes
from civilaffairs.registry.models import Person


@pytest.fixture
def exported(sample, enrolled, city, month, district_approver, second_approver):
    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    pay.payment_roll_approve(actor=district_approver, roll_id=roll.pk)
    pay.payment_roll_export(actor=district_approver, roll_id=roll.pk)
    return roll


def test_the_exporter_cannot_mark_paid_another_approver_can_and_failures_are_retried(exported, district_approver,
                                                                                   second_approver):
    line = exported.lines.order_by("id").first()
    with pytest.raises(FourEyes, match="导出银行文件的人不能登记"):
        pay.payment_mark(actor=district_approver, payment_id=line.pk, paid=True)
    with pytest.raises(ValidationError, match="须填写原因"):
        pay.payment_mark(actor=district_approver, payment_id=line.pk, paid=False)
    pay.payment_mark(actor=district_approver, payment_id=line.pk, paid=False, reason="账户冻结")
    with pytest.raises(ValidationError):
        pay.payment_retry(actor=district_approver, payment_id=exported.lines.order_by("id").last().pk)  # pending
    pay.payment_retry(actor=district_approver, payment_id=line.pk)
    paid = pay.payment_mark(actor=second_approver, payment_id=line.pk, paid=True)
    assert (paid.status, paid.attempts, paid.marked_by) == (LineStatus.PAID, 2, second_approver)


def test_a_reversal_is_a_negative_line_and_the_original_stays(exported, second_approver, district_approver):
    line = exported.lines.order_by("id").first()
    pay.payment_mark(actor=second_approver, payment_id=line.pk, paid=True)
    with pytest.raises(ValidationError, match="冲正须填写原因"):
        pay.payment_line_reverse(actor=second_approver, payment_id=line.pk, reason=" ")
    rev = pay.payment_line_reverse(actor=second_approver, payment_id=line.pk, reason="重复发放")
    line.refresh_from_db()
    assert line.status == LineStatus.PAID and line.amount == Decimal("100.00")  # the original is untouched
    assert (rev.kind, rev.amount, rev.reverses_id, rev.entitlement) == (
        LineKind.REVERSAL, Decimal("-100.00"), line.pk, line.entitlement)
    assert rev.roll_id != exported.pk  # an exported roll takes no new money
    assert PaymentLine.objects.filter(entitlement=line.entitlement).count() == 2
    assert sum(PaymentLine.objects.filter(entitlement=line.entitlement).values_list("amount", flat=True)) == 0
    with pytest.raises(ValidationError, match="不能重复冲正"):
        pay.payment_line_reverse(actor=district_approver, payment_id=line.pk, reason="再来")
    with pytest.raises(ValidationError, match="冲正明细不能再冲正"):
        pay.payment_line_reverse(actor=district_approver, payment_id=rev.pk, reason="再来")
    event = AuditEvent.objects.get(action="payments.line_reversed")
    assert event.after["reverses"] == line.pk and event.after["original_status"] == "paid"
    assert rev.roll.changed_by == second_approver


def test_a_reversal_of_an_exported_line_waits_in_the_next_open_roll_for_a_second_persons_approval(
        exported, district_approver, second_approver, third_approver):
    line = exported.lines.order_by("id").first()
    rev = pay.payment_line_reverse(actor=second_approver, payment_id=line.pk, reason="重复发放")
    roll = rev.roll
    assert roll.status == RollStatus.GENERATED and roll.month > exported.month  # this month's roll is gone
    assert (roll.generated_by, roll.changed_by) == (second_approver, second_approver)
    exported.refresh_from_db()
    assert exported.changed_by is None  # the exported roll is left as it was sent
    # The reverser may not approve the roll that carries the reversal, nor record the original as paid.
    with pytest.raises(FourEyes):
        pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    with pytest.raises(FourEyes, match="冲正该笔款项的人不能登记"):
        pay.payment_mark(actor=second_approver, payment_id=line.pk, paid=True)
    pay.payment_mark(actor=third_approver, payment_id=line.pk, paid=True)
    pay.payment_roll_approve(actor=third_approver, roll_id=roll.pk)
    # A second reversal in the district joins the same open roll, not yet another one.
    other = exported.lines.order_by("id").last()
    pay.payment_line_reverse(actor=district_approver, payment_id=other.pk, reason="资格已终止")
    assert PaymentLine.objects.get(reverses=other).roll_id not in (exported.pk, roll.pk)  # roll is approved now


def test_a_second_reversal_joins_the_roll_still_waiting_for_approval(exported, district_approver,
                                                                     second_approver):
    first, second = exported.lines.order_by("id")
    rev1 = pay.payment_line_reverse(actor=second_approver, payment_id=first.pk, reason="重复发放")
    rev2 = pay.payment_line_reverse(actor=district_approver, payment_id=second.pk, reason="重复发放")
    assert rev1.roll_id == rev2.roll_id and rev1.roll.changed_by_id == second_approver.pk
    rev2.roll.refresh_from_db()
    assert rev2.roll.changed_by == district_approver


def test_the_database_keeps_reversals_negative_and_once_per_original(exported):
    line = exported.lines.order_by("id").first()
    common = dict(roll=exported, programme="sample", entitlement=line.entitlement, category="allowance",
                  household=line.household, region=line.region, period=line.period)
    with pytest.raises(IntegrityError), transaction.atomic():  # a reversal must be negative
        PaymentLine.objects.create(**common, kind=LineKind.REVERSAL, reverses=line, amount=Decimal("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():  # a negative regular line is no reversal
        PaymentLine.objects.filter(pk=line.pk).update(amount=Decimal("-1"))
    PaymentLine.objects.create(**common, kind=LineKind.REVERSAL, reverses=line, amount=Decimal("-100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():  # once per original
        PaymentLine.objects.create(**common, kind=LineKind.REVERSAL, reverses=line, amount=Decimal("-100.00"))


def test_a_reversed_line_is_left_out_of_the_bank_file_and_cannot_be_retried(sample, enrolled, city, month,
                                                                           district_approver, second_approver):
    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    first, second = roll.lines.order_by("id")
    pay.payment_line_reverse(actor=district_approver, payment_id=first.pk, reason="资格已终止")
    pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    csv = pay.payment_roll_export(actor=district_approver, roll_id=roll.pk).decode("utf-8-sig")
    rows = [r.split(",")[0] for r in csv.strip().splitlines()[1:]]
    assert rows == [str(second.pk)]


def test_a_death_record_suspends_the_pending_lines_of_the_deceased(sample, city, month, district_approver):
    from tests import factories as f

    alone = f.household(community=city.community, head_name="王独居")
    family = f.household(community=city.community, head_name="冯家", members=1)
    person = family.head
    sample.ENROLLED_HOUSEHOLDS.update({alone.pk, family.pk})
    sample.ENROLLED_PERSONS.add(person.pk)
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    assert created == 3
    Person.objects.filter(pk__in=[alone.head_id, person.pk]).update(death_date=dt.date.today())
    assert pay.payment_lines_suspend_deceased(person_ids=[alone.head_id, person.pk], source="test") == 2
    status = {(line.household_id, line.person_id): line.status for line in roll.lines.all()}
    assert status == {(alone.pk, None): LineStatus.SUSPENDED,  # the only member died
                      (family.pk, None): LineStatus.PENDING,  # the family lives on
                      (None, person.pk): LineStatus.SUSPENDED}
    event = AuditEvent.objects.get(action="payments.lines_suspended_death")
    assert event.after == {"lines": 2, "source": "test"}
    assert pay.payment_lines_suspend_deceased(person_ids=[alone.head_id]) == 0  # set-based, idempotent


def test_an_imported_death_record_suspends_the_persons_pending_lines(sample, city, month):
    from civilaffairs.registry.imports import department_batch_import
    from tests import factories as f

    hh = f.household(community=city.community, head_name="褚九", members=1)
    sample.ENROLLED_PERSONS.add(hh.head_id)
    sample.ENROLLED_HOUSEHOLDS.add(hh.pk)
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    assert created == 2
    day = (month - dt.timedelta(days=1)).isoformat()
    batch = department_batch_import(actor=None, source="police", records=[
        {"id_number": hh.head.reveal_id_number(), "kind": "death", "period_start": day, "period_end": day}])
    assert batch.loaded_rows == 1, batch.errors
    lines = {line.person_id: line.status for line in roll.lines.all()}
    assert lines == {hh.head_id: LineStatus.SUSPENDED, None: LineStatus.PENDING}  # the household lives on
    assert AuditEvent.objects.get(action="payments.lines_suspended_death").after["lines"] == 1


def test_a_revoked_death_record_suspends_nothing(sample, city, month):
    import uuid

    from civilaffairs.registry.models import DepartmentRecord, ImportBatch
    from tests import factories as f

    alone = f.household(community=city.community, head_name="王独居")
    sample.ENROLLED_HOUSEHOLDS.add(alone.pk)
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    assert created == 1
    batch = ImportBatch.objects.create(source="police", channel="api", content_sha256=uuid.uuid4().hex)
    death = DepartmentRecord.objects.create(person=alone.head, id_digest=alone.head.id_digest, source="police",
                                            kind="death", period_start=dt.date.today(), period_end=dt.date.today(),
                                            batch=batch, fingerprint=uuid.uuid4().hex, status="revoked")
    assert pay.payment_lines_suspend_deceased(person_ids=[alone.head_id]) == 0  # a revoked fact counts nowhere
    DepartmentRecord.objects.filter(pk=death.pk).update(status="current")
    assert pay.payment_lines_suspend_deceased(person_ids=[alone.head_id]) == 1
