"""Four eyes on a roll: the one who generated or last changed it cannot approve it."""
from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from civilaffairs.audit.models import AuditEvent
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import PaymentRoll, RollStatus
from civilaffairs.payments.workflow import FourEyes


def test_the_generator_is_refused_and_another_approver_accepted(sample, enrolled, city, month, district_approver,
                                                               second_approver):
    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample",
                                        actor=district_approver)
    with pytest.raises(FourEyes, match="生成人不能审批"):
        pay.payment_roll_approve(actor=district_approver, roll_id=roll.pk)
    roll.refresh_from_db()
    assert roll.status == RollStatus.GENERATED and roll.approved_by is None
    pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    roll.refresh_from_db()
    assert roll.status == RollStatus.APPROVED and roll.approved_by == second_approver
    event = AuditEvent.objects.get(action="payments.roll_approved")
    assert event.after["lines"] == 2 and event.after["generated_by"] == district_approver.pk


def test_the_last_changer_is_refused(sample, enrolled, city, month, district_approver, second_approver,
                                     third_approver):
    from tests import factories as f

    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample",
                                        actor=district_approver)
    sample.ENROLLED_HOUSEHOLDS.add(f.household(community=city.community, head_name="郑七").pk)
    pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample",
                              actor=second_approver)
    with pytest.raises(FourEyes, match="最后补充名册的人不能审批"):
        pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    with pytest.raises(FourEyes):
        pay.payment_roll_approve(actor=district_approver, roll_id=roll.pk)
    pay.payment_roll_approve(actor=third_approver, roll_id=roll.pk)


def test_a_township_officer_or_another_districts_approver_cannot_approve(sample, enrolled, city, month,
                                                                         township_officer):
    from django.core.exceptions import PermissionDenied

    from tests import factories as f

    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    other = f.staff(username="approver-other", role="district_approver", region=city.other_district)
    for user in (township_officer, other):
        with pytest.raises(PermissionDenied):
            pay.payment_roll_approve(actor=user, roll_id=roll.pk)


def test_the_database_refuses_an_approval_by_the_generator(sample, enrolled, city, month, district_approver):
    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample",
                                        actor=district_approver)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRoll.objects.filter(pk=roll.pk).update(approved_by=district_approver)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_approve_once(city, sample, enrolled, month):
    from tests import factories as f

    a = f.staff(username="approver-a", role="district_approver", region=city.district)
    b = f.staff(username="approver-b", role="district_approver", region=city.district)
    roll, _ = pay.payment_roll_generate(district_code=city.district.code, month=month, programme="sample")
    barrier = threading.Barrier(2)
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            pay.payment_roll_approve(actor=user, roll_id=roll.pk)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["StateConflict", "ok"]  # the second finds it approved already
    assert AuditEvent.objects.filter(action="payments.roll_approved").count() == 1
