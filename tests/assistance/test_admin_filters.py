"""The assistance and payments admin lists keep exactly the rows a filter or search names: two
approved households, one in each district, each with its application, benefit, roll and line."""
from __future__ import annotations

import pytest
from django.utils import timezone

from assistance import services as svc
from assistance.models import Application, Benefit
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import PaymentLine, PaymentRoll
from tests import factories as f
from tests.assistance.conftest import monthly_income, pdf, walk
from tests.platform.test_admin_filters import rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_districts(at, city, other_household):
    """王小明户 approved in 海曙区 (the shared fixtures), 李四户 approved in 江北区 by that district's staff;
    this month's roll generated in each district."""
    home = at("approved")
    owner = f.resident(person_obj=other_household.head, username="resident-jiangbei")
    monthly_income(other_household.head, "600.00")
    away = svc.application_create(actor=owner, household=other_household, applicant=other_household.head,
                                  programmes=["dibao"], reason="收入低。")
    svc.application_set_members(actor=owner, application_id=away.pk, members=[
        {"person_id": m.person_id, "declared_monthly_income": "600"} for m in away.members.all()])
    svc.material_add(actor=owner, application_id=away.pk, uploaded=pdf(), kind="id_card")
    walk(away, "approved", resident=owner,
         grid=f.staff(username="jb-grid", role="grid_worker", region=city.other_community),
         township=f.staff(username="jb-township", role="township_officer", region=city.other_township),
         district=f.staff(username="jb-district", role="district_approver", region=city.other_district))
    for district in (city.district, city.other_district):
        pay.payment_roll_generate(programme="assistance", district_code=district.code, month=timezone.localdate())
    return home, away


def test_the_application_list_keeps_the_district_status_programme_and_search_asked_for(admin_client, two_districts,
                                                                                       city):
    home, away = two_districts
    assert rows(admin_client, Application, {}) == {home.pk, away.pk}
    assert rows(admin_client, Application, {"district": city.other_district.code}) == {away.pk}
    assert rows(admin_client, Application, {"q": "王小明"}) == {home.pk}
    assert rows(admin_client, Application, {"q": away.number}) == {away.pk}
    assert rows(admin_client, Application, {"status__exact": "approved", "district": city.district.code}) == {home.pk}
    assert rows(admin_client, Application, {"programme": "temporary"}) == set()
    assert rows(admin_client, Application, {"programme": "dibao", "q": "李四"}) == {away.pk}


def test_the_benefit_list_keeps_the_district_and_the_head_asked_for(admin_client, two_districts, city):
    home, away = two_districts
    mine, theirs = Benefit.objects.get(household=home.household), Benefit.objects.get(household=away.household)
    assert rows(admin_client, Benefit, {}) == {mine.pk, theirs.pk}
    assert rows(admin_client, Benefit, {"district": city.district.code}) == {mine.pk}
    assert rows(admin_client, Benefit, {"q": "李四"}) == {theirs.pk}
    assert rows(admin_client, Benefit, {"q": home.number}) == {mine.pk}


def test_the_roll_list_keeps_the_district_asked_for(admin_client, two_districts, city):
    home_roll = PaymentRoll.objects.get(district=city.district)
    away_roll = PaymentRoll.objects.get(district=city.other_district)
    assert rows(admin_client, PaymentRoll, {}) == {home_roll.pk, away_roll.pk}
    assert rows(admin_client, PaymentRoll, {"district__code__exact": city.other_district.code}) == {away_roll.pk}


def test_the_payment_line_list_keeps_the_district_the_household_and_the_status_asked_for(admin_client, two_districts,
                                                                                         city):
    home, away = two_districts
    mine = PaymentLine.objects.get(household=home.household)
    theirs = PaymentLine.objects.get(household=away.household)
    assert rows(admin_client, PaymentLine, {}) == {mine.pk, theirs.pk}
    assert rows(admin_client, PaymentLine, {"district": city.other_district.code}) == {theirs.pk}
    assert rows(admin_client, PaymentLine, {"q": "王小明"}) == {mine.pk}
    assert rows(admin_client, PaymentLine, {"q": str(theirs.pk)}) == {theirs.pk}
    PaymentLine.objects.filter(pk=theirs.pk).update(status="failed")  # the bank's answer, set directly: only the filter is tested
    assert rows(admin_client, PaymentLine, {"status__exact": "failed"}) == {theirs.pk}
