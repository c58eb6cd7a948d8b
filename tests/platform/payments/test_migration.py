"""The data migration moving assistance's payments to the platform ledger keeps every payment:
counts and sums before = after, per status and per kind, with the roll, household and ids."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assistance", "0005_money_limits_and_four_eyes")]
AFTER = [("assistance", "0006_payments_to_platform_ledger")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_assistance_payment_is_copied_to_the_ledger(city):
    from tests import factories as f

    hh = f.household(community=city.community, head_name="老付")
    other = f.household(community=city.other_community, head_name="老何")
    user = f.staff(username="approver-m", role="district_approver", region=city.district)
    old = _migrate(BEFORE)
    try:
        Benefit = old.get_model("assistance", "Benefit")
        Roll = old.get_model("assistance", "PaymentRoll")
        Payment = old.get_model("assistance", "Payment")
        Round = old.get_model("assistance", "PriceSubsidyRound")
        month = dt.date(2026, 3, 1)
        b1 = Benefit.objects.create(household_id=hh.pk, programme="dibao", monthly_amount=Decimal("1905.00"),
                                    members_covered=3, start_date=month)
        b2 = Benefit.objects.create(household_id=other.pk, programme="tekun", monthly_amount=Decimal("800.00"),
                                    members_covered=1, start_date=month)
        b3 = Benefit.objects.create(household_id=hh.pk, programme="temporary", status="ended", start_date=month,
                                    end_date=month)
        r = Round.objects.create(name="物价补贴", month=month, amount_per_person=Decimal("60"), programmes=["dibao"],
                                 created_by_id=user.pk)
        roll = Roll.objects.create(district_id=city.district.code, month=month, status="exported",
                                   generated_by_id=user.pk, exported_by_id=user.pk)
        rows = [
            Payment(roll=roll, benefit=b1, household_id=hh.pk, kind="regular", month=month,
                    amount=Decimal("1905.00"), status="paid", attempts=2, failure_reason=""),
            Payment(roll=roll, benefit=b1, household_id=hh.pk, kind="price_subsidy", subsidy_round=r, month=month,
                    amount=Decimal("180.00"), status="failed", attempts=1, failure_reason="账户冻结"),
            Payment(roll=None, benefit=b3, household_id=hh.pk, kind="one_off", month=month,
                    amount=Decimal("5000.00")),
            Payment(roll=None, benefit=b2, household_id=other.pk, kind="regular", month=month,
                    amount=Decimal("800.00")),
        ]
        Payment.objects.bulk_create(rows)
        before = sorted(Payment.objects.values_list("id", "roll_id", "household_id", "month", "amount", "status",
                                                    "attempts", "failure_reason"))
        totals_before = (Payment.objects.count(), sum(p[4] for p in before))
    finally:
        _migrate(AFTER)
    from civilaffairs.payments.models import PaymentLine, PaymentRoll

    lines = PaymentLine.objects.filter(programme="assistance")
    after = sorted(lines.values_list("id", "roll_id", "household_id", "period", "amount", "status", "attempts",
                                     "failure_reason"))
    assert after == before
    assert (lines.count(), sum(p[4] for p in after)) == totals_before == (4, Decimal("7885.00"))
    assert set(lines.values_list("entitlement", "category")) == {
        (f"assistance.benefit:{b1.pk}", "monthly"), (f"assistance.subsidy:{r.pk}:{b1.pk}", "price_subsidy"),
        (f"assistance.one_off:{b3.pk}", "one_off"), (f"assistance.benefit:{b2.pk}", "monthly")}
    moved = PaymentRoll.objects.get(pk=roll.pk)
    assert (moved.programme, moved.status, moved.generated_by_id, moved.exported_by_id) == (
        "assistance", "exported", user.pk, user.pk)
    # the sequences go on after the copied ids: a new line does not collide
    new = PaymentLine.objects.create(programme="assistance", entitlement="assistance.benefit:0", household_id=hh.pk,
                                     region_id=hh.community_id, period=month, amount=Decimal("1.00"))
    assert new.pk > max(p[0] for p in before)
