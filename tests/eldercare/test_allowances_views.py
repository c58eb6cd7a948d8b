"""The caseworker's side of the allowances: the list (scoped, filtered, paginated), one allowance and its
stop / confirm / resume, the elder's page section with the reasons in plain Chinese, the read API —
and the refusals: wrong role, another community, organisation staff, residents."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from eldercare.models import Allowance, AllowanceStatus, CreditAccount
from eldercare.rules import HIGH_AGE
from eldercare.services import credit
from tests import factories as f
from tests.eldercare import allowances_fixtures as fx
from tests.eldercare.allowances_fixtures import run_rule, sign_grade

elder = fx.elder  # fixture
provider = fx.provider  # fixture

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def granted(elder, city):
    """Two 80+ elders with the allowance: one in the home community, one in another district."""
    today = timezone.localdate()
    home = elder(dt.date(today.year - 85, 6, 1), name="钱老太")
    away = elder(dt.date(today.year - 92, 6, 1), community=city.other_community, name="孙老伯")
    run_rule(HIGH_AGE, today)
    return Allowance.objects.get(person=home), Allowance.objects.get(person=away)


def test_the_list_shows_the_jurisdiction_and_filters(granted, grid_worker, city, district_approver):
    home, away = granted
    page = client_for(grid_worker).get(reverse("eldercare:allowance_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "钱老太" in text and "孙老伯" not in text
    assert home.person.id_number_masked in text and home.person.reveal_id_number() not in text
    filtered = client_for(district_approver).get(reverse("eldercare:allowance_list"), {"status": "stopped"})
    assert "钱老太" not in filtered.content.decode() and "没有符合条件" in filtered.content.decode()
    by_community = client_for(district_approver).get(reverse("eldercare:allowance_list"),
                                                     {"community": city.community.code, "kind": "high_age"})
    assert "钱老太" in by_community.content.decode()
    bad = client_for(district_approver).get(reverse("eldercare:allowance_list"), {"kind": "cash", "page": "x"})
    assert bad.status_code == 200  # a bad filter is a form error, never a 500


def test_wrong_roles_are_refused(granted, city, resident, data_provider):
    home, _away = granted
    facility = f.staff(username="care-home-staff", role="facility_staff", region=city.community,
                       organisation=f.organisation(region=city.community, type="care_home"))
    url = reverse("eldercare:allowance_list")
    assert client_for(None).get(url).status_code == 302
    for user in (resident, data_provider, facility):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).get(reverse("eldercare:allowance_detail", args=[home.pk])).status_code == 403
        assert client_for(user).get(reverse("api:eldercare-allowance-list")).status_code == 403


def test_another_communitys_allowance_is_not_found(granted, grid_worker, neighbour_grid_worker, other_district_worker):
    home, away = granted
    assert client_for(grid_worker).get(reverse("eldercare:allowance_detail", args=[away.pk])).status_code == 404
    assert client_for(neighbour_grid_worker).get(reverse("eldercare:allowance_detail", args=[home.pk])).status_code == 404
    assert client_for(other_district_worker).get(
        reverse("api:eldercare-allowance-detail", args=[home.pk])).status_code == 404
    response = client_for(neighbour_grid_worker).post(reverse("eldercare:allowance_stop", args=[home.pk]),
                                                      {"reason": "试图停发"})
    assert response.status_code == 404
    assert Allowance.objects.get(pk=home.pk).status == AllowanceStatus.ACTIVE


def test_stop_is_proposed_by_the_township_and_confirmed_by_the_district(granted, grid_worker, township_officer,
                                                                         district_approver):
    home, _away = granted
    stop = reverse("eldercare:allowance_stop", args=[home.pk])
    assert client_for(grid_worker).post(stop, {"reason": "核查"}).status_code == 403  # no VERIFY_ALLOWANCE
    client_for(township_officer).post(stop, {"reason": ""})  # a reason is required
    assert Allowance.objects.get(pk=home.pk).status == AllowanceStatus.ACTIVE
    response = client_for(township_officer).post(stop, {"reason": "已长期居住外省，待核实"}, follow=True)
    assert "拟停发" in response.content.decode()
    assert client_for(township_officer).post(stop, {"reason": "再次提交"}).status_code == 302  # a state check: no change
    confirm = reverse("eldercare:allowance_confirm_stop", args=[home.pk])
    assert client_for(township_officer).post(confirm).status_code == 403  # not CONFIRM_ALLOWANCE
    client_for(district_approver).post(confirm)
    home.refresh_from_db()
    assert (home.status, home.stop_reason) == (AllowanceStatus.STOPPED, "已长期居住外省，待核实")
    resume = reverse("eldercare:allowance_resume", args=[home.pk])
    client_for(township_officer).post(resume, {"reason": "核实后仍在本地"})
    assert Allowance.objects.get(pk=home.pk).status == AllowanceStatus.ACTIVE
    assert client_for(township_officer).get(reverse("eldercare:allowance_stop", args=[home.pk])).status_code == 405


def test_the_elders_page_shows_the_allowance_reasons_and_the_credit(granted, grid_worker, elder, city, provider):
    home, _away = granted
    sign_grade(home.person, 2, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2030, 1, 1))
    credit.credit_issue_month(month=timezone.localdate().replace(day=1))
    account = CreditAccount.objects.get(person=home.person)
    credit.credit_spend(account=account, amount="30", organisation=provider, reference="ORDER-77")
    page = client_for(grid_worker).get(reverse("portal:person_file", args=[home.person_id]))
    text = page.content.decode()
    assert page.status_code == 200 and "养老待遇" in text
    for reason in home.reasons:
        assert reason in text
    assert "data-credit-balance>70.00<" in text and provider.name in text


def test_the_api_lists_allowances_and_credit_accounts_in_scope(granted, grid_worker, provider):
    home, away = granted
    CreditAccount.objects.create(person=home.person, community_id=home.community_id, balance=Decimal("0.00"))
    body = client_for(grid_worker).get(reverse("api:eldercare-allowance-list")).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [r["id"] for r in rows] == [home.pk]
    assert rows[0]["reasons"] == home.reasons and rows[0]["id_number_masked"] == home.person.id_number_masked
    accounts = client_for(grid_worker).get(reverse("api:eldercare-credit-account-list")).json()
    rows = accounts["results"] if isinstance(accounts, dict) else accounts
    assert [r["person"] for r in rows] == [home.person_id]
    assert client_for(None).get(reverse("api:eldercare-allowance-list")).status_code in (401, 403)


def test_the_detail_page_shows_the_months_paid_and_no_actions_to_a_viewer(granted, grid_worker, township_officer, city):
    from civilaffairs.payments import services as pay

    home, _away = granted
    pay.payment_roll_generate(district_code=city.district.code, month=timezone.localdate().replace(day=1),
                              programme="eldercare")
    url = reverse("eldercare:allowance_detail", args=[home.pk])
    text = client_for(grid_worker).get(url).content.decode()
    assert "高龄津贴补发" in text and "data-confirm" not in text  # a grid worker sees, cannot stop
    text = client_for(township_officer).get(url).content.decode()
    assert "提出停发" in text and "data-confirm" in text
