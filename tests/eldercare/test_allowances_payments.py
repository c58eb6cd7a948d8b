"""The allowances on the platform's payment rolls: a month's line once, arrears back to the month of
eligibility but no further than the parameter allows, a death record suspending the unpaid lines, a
proposed stop pausing them and a withdrawn one catching up."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from civilaffairs.payments import services as pay
from civilaffairs.payments.models import LineStatus, PaymentLine
from civilaffairs.registry.models import PolicyParameter
from eldercare.models import Allowance, AllowanceStatus
from eldercare.payables import line_key
from eldercare.rules import HIGH_AGE
from eldercare.services import allowances as svc
from tests import factories as f
from tests.eldercare import allowances_fixtures as fx
from tests.eldercare.allowances_fixtures import run_rule

elder = fx.elder  # fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


def months_back(month: dt.date, n: int) -> dt.date:
    return svc.add_months(month, -n)


def lines(person):
    return PaymentLine.objects.filter(programme="eldercare", person=person).order_by("entitlement")


def roll(city, month):
    return pay.payment_roll_generate(district_code=city.district.code, month=month, programme="eldercare")


def test_a_new_80_year_old_is_on_the_next_roll_once(elder, city, month):
    today = timezone.localdate()
    person = elder(dt.date(today.year - 80, today.month, 1))
    run_rule(HIGH_AGE, today)
    _roll, created = roll(city, month)
    assert created == 1
    line = lines(person).get()
    assert (line.entitlement, line.category, line.amount, line.region_id) == (
        line_key(Allowance.objects.get(person=person).pk, month), "high_age", Decimal("100.00"), city.community.code)
    assert roll(city, month)[1] == 0  # generating again adds nothing


def test_arrears_go_back_to_the_month_of_eligibility_but_no_further_than_the_parameter(elder, city, month):
    today = timezone.localdate()
    three_ago = months_back(month, 3)
    found_late = elder(dt.date(three_ago.year - 80, three_ago.month, 1))  # turned 80 three months ago
    long_ago = elder(dt.date(today.year - 85, 6, 1))  # turned 80 years ago: 12 months back at most
    PolicyParameter.objects.filter(key="eldercare_arrears_months").update(value=Decimal("12"))
    run_rule(HIGH_AGE, today)
    a_late, a_long = Allowance.objects.get(person=found_late), Allowance.objects.get(person=long_ago)
    assert a_late.from_month == a_late.eligible_month == three_ago
    assert a_long.from_month == months_back(month, 12) > a_long.eligible_month
    roll(city, month)
    assert lines(found_late).count() == 4  # the three late-found months and this one
    assert lines(long_ago).count() == 13  # this month and the 12 before it
    assert set(lines(long_ago).values_list("category", flat=True)) == {"high_age", "high_age_arrears"}
    assert lines(long_ago).filter(category="high_age").count() == 1
    # next month's roll pays only next month: the arrears are not paid twice
    _r, created = pay.payment_roll_generate(district_code=city.district.code, month=svc.add_months(month, 1),
                                            programme="eldercare")
    assert created == 2


def test_a_smaller_arrears_parameter_bounds_the_back_pay(elder, city, month):
    today = timezone.localdate()
    person = elder(dt.date(today.year - 85, 6, 1))
    PolicyParameter.objects.filter(key="eldercare_arrears_months").update(value=Decimal("2"))
    run_rule(HIGH_AGE, today)
    roll(city, month)
    assert lines(person).count() == 3


def test_a_death_record_stops_the_allowance_and_suspends_its_unpaid_lines(elder, city, month):
    from civilaffairs.registry.imports import department_batch_import

    today = timezone.localdate()
    person = elder(dt.date(today.year - 85, 6, 1))
    PolicyParameter.objects.filter(key="eldercare_arrears_months").update(value=Decimal("2"))
    run_rule(HIGH_AGE, today)
    roll(city, month)
    assert set(lines(person).values_list("status", flat=True)) == {LineStatus.PENDING}
    day = (month - dt.timedelta(days=20)).isoformat()  # died last month
    batch = department_batch_import(actor=None, source="police", records=[
        {"id_number": person.reveal_id_number(), "kind": "death", "period_start": day, "period_end": day}])
    assert batch.loaded_rows == 1, batch.errors
    assert set(lines(person).values_list("status", flat=True)) == {LineStatus.SUSPENDED}  # the ledger's hook
    run_rule(HIGH_AGE, today)
    a = Allowance.objects.get(person=person)
    assert (a.status, a.to_month) == (AllowanceStatus.STOPPED, months_back(month, 1))
    _r, created = pay.payment_roll_generate(district_code=city.district.code, month=svc.add_months(month, 1),
                                            programme="eldercare")
    assert created == 0  # nothing after the death


def test_a_proposed_stop_pauses_the_lines_and_a_withdrawal_catches_up(elder, city, month, township_officer):
    today = timezone.localdate()
    person = elder(dt.date(today.year - 85, 6, 1))
    PolicyParameter.objects.filter(key="eldercare_arrears_months").update(value=Decimal("0"))
    run_rule(HIGH_AGE, today)
    a = Allowance.objects.get(person=person)
    svc.allowance_stop_propose(actor=township_officer, allowance_id=a.pk, reason="家属反映已长期居住外地")
    assert roll(city, month)[1] == 0
    svc.allowance_resume(actor=township_officer, allowance_id=a.pk, reason="核实仍在本地居住")
    assert roll(city, month)[1] == 1


def test_a_confirmed_stop_pays_nothing_more(elder, city, month, township_officer, district_approver):
    today = timezone.localdate()
    person = elder(dt.date(today.year - 85, 6, 1))
    run_rule(HIGH_AGE, today)
    a = Allowance.objects.get(person=person)
    svc.allowance_stop_propose(actor=township_officer, allowance_id=a.pk, reason="户籍信息有误")
    with pytest.raises(Exception, match="另一名"):
        other = f.staff(username="twice", role="district_approver", region=city.district)
        a.stop_proposed_by = other
        a.save(update_fields=["stop_proposed_by"])
        svc.allowance_stop_confirm(actor=other, allowance_id=a.pk)
    svc.allowance_stop_confirm(actor=district_approver, allowance_id=a.pk)
    assert Allowance.objects.get(pk=a.pk).status == AllowanceStatus.STOPPED
    assert roll(city, month)[1] == 0
