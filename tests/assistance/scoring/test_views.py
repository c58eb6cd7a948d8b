"""Pages: the household score, leads with their outcome, the dashboard; wrong person refused."""
import datetime as dt

import pytest
from django.urls import reverse

from assistance.scoring import services
from assistance.scoring.models import Lead, ScoringModel

from .helpers import ON, household, monthly


@pytest.fixture
def red_household(city, model):
    hh, (a,) = household(city.community, [dt.date(1950, 1, 1)], name="困难")
    monthly(a, "pension", 600)
    services.household_rescore(household_id=hh.pk, on=ON)
    return hh


def login(client, user):
    client.force_login(user)
    return client


def test_the_household_page_explains_the_score_dimension_by_dimension(client, grid_worker, red_household):
    r = login(client, grid_worker).get(reverse("scoring:household", args=[red_household.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    for word in ("收入", "支出", "资产", "健康", "结构", "就业", "应保未保", "颜色变化", "红色"):
        assert word in body


def test_it_hides_the_household_from_another_district(client, other_district_worker, red_household):
    r = login(client, other_district_worker).get(reverse("scoring:household", args=[red_household.pk]))
    assert r.status_code == 404


def test_it_refuses_a_resident(client, resident, red_household):
    r = login(client, resident).get(reverse("scoring:household", args=[red_household.pk]))
    assert r.status_code == 403
    assert login(client, resident).get(reverse("scoring:dashboard")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, red_household):
    r = client.get(reverse("scoring:household", args=[red_household.pk]))
    assert r.status_code == 302


def test_the_grid_worker_records_included_and_the_work_item_closes(client, grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    c = login(client, grid_worker)
    assert c.get(reverse("scoring:lead_list")).content.decode().count(red_household.head_name) >= 1
    page = c.get(reverse("scoring:lead_detail", args=[lead.pk]))
    assert page.status_code == 200 and "为什么生成这条线索" in page.content.decode()
    r = c.post(reverse("scoring:lead_detail", args=[lead.pk]), {"outcome": "included", "reason": ""})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.outcome, lead.closed_by) == ("closed", "included", grid_worker)
    assert lead.work_item.status == "done"


def test_a_false_alarm_needs_a_reason(client, grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    r = login(client, grid_worker).post(reverse("scoring:lead_detail", args=[lead.pk]), {"outcome": "false_alarm"})
    assert r.status_code == 200 and "请填写原因说明" in r.content.decode()
    lead.refresh_from_db()
    assert lead.status == "open"


def test_other_district_workers_cannot_see_or_close_the_lead(client, other_district_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    c = login(client, other_district_worker)
    assert c.get(reverse("scoring:lead_detail", args=[lead.pk])).status_code == 404
    assert c.post(reverse("scoring:lead_detail", args=[lead.pk]), {"outcome": "included"}).status_code == 404
    assert red_household.head_name not in c.get(reverse("scoring:lead_list")).content.decode()


def test_the_dashboard_counts_colours_and_leads_in_scope(client, district_approver, other_district_worker,
                                                        red_household):
    r = login(client, district_approver).get(reverse("scoring:dashboard"))
    assert r.status_code == 200
    assert r.context["districts"][0]["red"] == 1 and r.context["by_version"][0]["raised"] == 1
    r = login(client, other_district_worker).get(reverse("scoring:dashboard"))
    assert r.context["districts"] == [] and r.context["by_version"] == []


def test_the_admin_refuses_to_edit_a_published_version(client, admin_user, model):
    login(client, admin_user)
    r = client.get(reverse("admin:scoring_scoringmodel_change", args=[model.pk]))
    assert r.status_code == 200 and 'name="w_income"' not in r.content.decode()
    r = client.post(reverse("admin:scoring_scoringmodel_changelist"),
                    {"action": "copy_as_draft", "_selected_action": [model.pk]})
    assert r.status_code == 302 and ScoringModel.objects.filter(status="draft").count() == 1


def test_the_api_returns_the_score_with_its_dimensions(client, grid_worker, other_district_worker, resident,
                                                      red_household):
    url = reverse("scoring:api_household_score", args=[red_household.pk])
    data = login(client, grid_worker).get(url).json()
    assert data["colour"] == "red" and [d["label"] for d in data["dimensions"]][:2] == ["收入", "支出"]
    assert login(client, other_district_worker).get(url).status_code == 404
    assert login(client, resident).get(url).status_code == 403
    leads = login(client, grid_worker).get(reverse("scoring:api_lead_list")).json()
    assert leads["count"] == 1


def test_a_discovery_lead_offers_to_start_an_application_for_the_household(client, grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    body = login(client, grid_worker).get(reverse("scoring:lead_detail", args=[lead.pk])).content.decode()
    assert f"/assistance/households/{red_household.pk}/apply/?lead={lead.pk}" in body
