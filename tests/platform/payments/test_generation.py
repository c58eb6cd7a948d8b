"""Generating a month's roll from a programme's payable source: set-based, idempotent, race-free."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from civilaffairs.audit.models import AuditEvent
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import LineStatus, PaymentLine, PaymentRoll, RollStatus
from civilaffairs.payments.sources import sources


def _lines():
    return sorted(PaymentLine.objects.values_list("entitlement", "period", "amount", "roll_id"))


def test_the_sample_programme_appears_in_the_registry_and_on_its_roll(sample, enrolled, city, month):
    assert "sample" in [s.programme for s in sources()]
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    here, there = enrolled
    assert created == 2 and roll.programme == "sample" and roll.programme_label == "示例项目"
    assert {(line.household_id, line.amount, line.category_label) for line in roll.lines.all()} == {
        (h.pk, Decimal("100.00"), "示例津贴") for h in here}
    # the other district's household is on that district's roll, not this one
    other, n = pay.payment_roll_generate(district_code=city.other_district.code, month=month, programme="sample")
    assert n == 1 and other.lines.get().household_id == there.pk


def test_generating_twice_adds_nothing_and_keeps_the_same_lines(sample, enrolled, city, month):
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    before = _lines()
    again, created_again = pay.payment_roll_generate(district_code=city.district.code, month=month,
                                                     programme="sample")
    assert (created, created_again, again.pk) == (2, 0, roll.pk)
    assert _lines() == before
    assert AuditEvent.objects.filter(action="payments.roll_generated").count() == 1  # a no-op is not an event


def test_a_new_entitlement_tops_up_an_unapproved_roll_only(sample, enrolled, city, month, district_approver,
                                                           second_approver):
    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    from tests import factories as f

    late = f.household(community=city.community, head_name="李四")
    sample.ENROLLED_HOUSEHOLDS.add(late.pk)
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample",
                                              actor=district_approver)
    assert created == 1 and roll.changed_by == district_approver
    pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    sample.ENROLLED_HOUSEHOLDS.add(f.household(community=city.community, head_name="周五").pk)
    _, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    assert created == 0 and PaymentLine.objects.filter(roll=roll).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_generation_in_two_connections_creates_no_duplicate(city, sample, enrolled, month):
    barrier = threading.Barrier(2)
    created, errors = [], []

    def run():
        try:
            barrier.wait()
            created.append(pay.payment_roll_generate(district_code=city.district.code, month=month,
                                                     programme="sample")[1])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and sorted(created) == [0, 2]
    assert PaymentRoll.objects.filter(programme="sample", district_id=city.district.code).count() == 1
    assert PaymentLine.objects.filter(programme="sample", region__code__startswith=city.district.code).count() == 2


def test_the_database_refuses_a_second_regular_line_for_the_same_entitlement_and_period(sample, enrolled, city,
                                                                                       month):
    from django.db import IntegrityError, transaction

    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    line = roll.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(roll=roll, programme="sample", entitlement=line.entitlement, category="x",
                                   household=line.household, region=line.region, period=line.period,
                                   amount=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():  # above the hard cap
        PaymentLine.objects.filter(pk=line.pk).update(amount=Decimal("1000000.01"))


def test_a_line_added_during_the_month_joins_the_next_roll(sample, city, month):
    from tests import factories as f

    hh = f.household(community=city.community, head_name="吴六")
    line = pay.payment_line_add(programme="sample", entitlement="sample.one_off:1", category="one_off",
                                household=hh, period=month, amount=Decimal("300.456"))
    assert line.roll is None and line.amount == Decimal("300.46")  # rounded once to the fen
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    line.refresh_from_db()
    assert created == 1 and line.roll_id == roll.pk and line.status == LineStatus.PENDING
    with pytest.raises(ValidationError, match="不能超过"):
        pay.payment_line_add(programme="sample", entitlement="sample.one_off:2", category="one_off", household=hh,
                             period=month, amount=Decimal("1000000.01"))
    with pytest.raises(ValidationError, match="不小于零"):
        pay.payment_line_add(programme="sample", entitlement="sample.one_off:3", category="one_off", household=hh,
                             period=month, amount=Decimal("-1"))


def test_only_the_districts_approver_generates_and_bad_input_is_a_clear_error(sample, city, month, township_officer,
                                                                             other_district_worker):
    for user in (township_officer, other_district_worker):
        with pytest.raises(PermissionDenied):
            pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample", actor=user)
    with pytest.raises(ValidationError, match="没有登记发放来源"):
        pay.payment_roll_generate(district_code=city.district.code, month=month, programme="nope")
    with pytest.raises(ValidationError, match="区县代码"):
        pay.payment_roll_generate(district_code="999999", month=month, programme="sample")
    with pytest.raises(ValidationError):
        pay.payment_roll_generate(district_code=city.district.code, month=month.replace(year=month.year - 3),
                                  programme="sample")
    assert not PaymentRoll.objects.exists()


def test_the_monthly_task_generates_every_programme_of_a_district(sample, enrolled, city, month):
    from civilaffairs.payments import tasks

    assert tasks.payment_roll_generate(city.district.code, month.isoformat()) == 2
    assert tasks.payment_roll_generate(city.district.code, month.isoformat()) == 0
    assert RollStatus.GENERATED == PaymentRoll.objects.get(programme="sample", district_id=city.district.code).status


def test_a_district_whose_roll_task_the_broker_refused_is_generated_by_the_catch_up_sweep(
        sample, enrolled, city, month, monkeypatch, django_capture_on_commit_callbacks):
    from civilaffairs.lib import tasks as lib_tasks
    from civilaffairs.payments import tasks

    def refused(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.payment_roll_generate, "delay", refused)
    lib_tasks.broker.reset()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.payment_rolls_generate(month.isoformat())
    assert not PaymentRoll.objects.exists()  # the monthly run only logged the refusal

    lib_tasks.broker.reset()  # the broker is back
    queued = []
    monkeypatch.setattr(tasks.payment_roll_generate, "delay", lambda *a: queued.append(a) or tasks.payment_roll_generate(*a))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.payment_rolls_catch_up(month.isoformat()) >= 2
    assert (city.district.code, month.isoformat()) in queued
    assert PaymentRoll.objects.filter(district_id=city.district.code, programme="sample", month=month).count() == 1

    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.payment_rolls_catch_up(month.isoformat())
    assert (city.district.code, month.isoformat()) not in queued  # it has its roll: not queued again


def test_the_catch_up_sweep_is_on_the_beat_schedule():
    from civilaffairs.celery import app as celery_app

    entry = celery_app.conf.beat_schedule["payments-rolls-catch-up"]
    assert entry["task"] == "payments.rolls_catch_up"
