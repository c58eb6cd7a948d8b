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
    url = reverse("api:scoring-household-score", args=[red_household.pk])
    data = login(client, grid_worker).get(url).json()
    assert data["colour"] == "red" and [d["label"] for d in data["dimensions"]][:2] == ["收入", "支出"]
    assert login(client, other_district_worker).get(url).status_code == 404
    assert login(client, resident).get(url).status_code == 403
    leads = login(client, grid_worker).get(reverse("api:scoring-lead-list")).json()
    assert leads["count"] == 1


def test_a_discovery_lead_offers_to_start_an_application_for_the_household(client, grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    body = login(client, grid_worker).get(reverse("scoring:lead_detail", args=[lead.pk])).content.decode()
    assert f"/assistance/households/{red_household.pk}/apply/?lead={lead.pk}" in body


def test_a_grid_worker_of_another_community_gets_404_on_the_lead(client, neighbour_grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    c = login(client, neighbour_grid_worker)
    assert c.get(reverse("scoring:lead_detail", args=[lead.pk])).status_code == 404
    assert c.post(reverse("scoring:lead_detail", args=[lead.pk]), {"outcome": "included"}).status_code == 404
    lead.refresh_from_db()
    assert lead.status == "open"


def test_the_work_item_leads_to_the_lead_page(client, grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    body = login(client, grid_worker).get(reverse("worklist:detail", args=[lead.work_item_id])).content.decode()
    assert f'class="btn btn-primary" href="{reverse("scoring:lead_detail", args=[lead.pk])}"' in body


def test_recording_an_outcome_says_the_lead_and_its_item_are_closed(client, grid_worker, red_household):
    lead = Lead.objects.get(household=red_household)
    r = login(client, grid_worker).post(reverse("scoring:lead_detail", args=[lead.pk]),
                                        {"outcome": "included", "reason": ""}, follow=True)
    body = r.content.decode()
    assert "核实结果“入户核实——已纳入救助”已记录，线索及其待办事项已办结。" in body
    assert "办结时间" in body and 'name="outcome"' not in body


def test_the_lead_page_lists_the_applications_filed_since_it_was_raised(client, grid_worker, red_household):
    from assistance import services as svc

    lead = Lead.objects.get(household=red_household)
    c = login(client, grid_worker)
    assert "尚未为该家庭发起救助申请" in c.get(reverse("scoring:lead_detail", args=[lead.pk])).content.decode()
    app = svc.application_create(actor=grid_worker, household=red_household, applicant=red_household.head,
                                 programmes=["dibao"], channel="proactive", reason="主动发现")
    body = c.get(reverse("scoring:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("assistance:application_detail", args=[app.pk]) in body and "主动发现线索" in body


def test_the_explanation_writes_model_parameters_as_plain_numbers(client, grid_worker, red_household):
    body = login(client, grid_worker).get(reverse("scoring:household", args=[red_household.pk])).content.decode()
    assert "每人次 40 分" in body and "每人 15 分" in body and "E+" not in body


def test_the_start_button_gives_way_to_the_application_in_progress(client, grid_worker, red_household):
    from assistance import services as svc

    lead = Lead.objects.get(household=red_household)
    svc.application_create(actor=grid_worker, household=red_household, applicant=red_household.head,
                           programmes=["dibao"], channel="proactive", reason="主动发现")
    body = login(client, grid_worker).get(reverse("scoring:lead_detail", args=[lead.pk])).content.decode()
    assert "从线索发起救助申请" not in body


def test_the_scoring_api_moved_under_the_programmes_api_prefix(client, grid_worker, red_household):
    login(client, grid_worker)
    assert reverse("api:scoring-lead-list") == "/api/v1/assistance/scoring/leads/"
    assert reverse("api:scoring-household-score", args=[red_household.pk]) == \
        f"/api/v1/assistance/scoring/households/{red_household.pk}/"
    assert client.get("/scoring/api/leads/").status_code == 404
    assert client.get(f"/scoring/api/households/{red_household.pk}/").status_code == 404


def test_the_engine_page_lists_the_difficulty_index_and_links_to_its_own_pages(client, township_officer, model):
    from assistance.scoring.engine import RULE_KEY

    from .helpers import run_all, start_full_run

    run_all(start_full_run()[0])
    body = login(client, township_officer).get(reverse("entitlements:index")).content.decode()
    assert "困难指数与主动发现" in body and f"v{model.version}" in body and "全量判定" in body
    assert reverse("scoring:dashboard") in body
    r = client.get(reverse("entitlements:rule_detail", args=[RULE_KEY]))
    assert r.status_code == 302 and r.url == reverse("scoring:dashboard")
    dashboard = client.get(reverse("scoring:dashboard")).content.decode()
    assert "最近重算" in dashboard and "全量判定" in dashboard and reverse("entitlements:index") in dashboard


def test_publishing_a_version_queues_a_full_run_of_the_index_on_the_engine(city_admin, model, monkeypatch,
                                                                           django_capture_on_commit_callbacks):
    from assistance.scoring.engine import RULE_KEY

    queued = []
    monkeypatch.setattr("civilaffairs.lib.tasks.enqueue", lambda task, *args, **kw: queued.append((task.name, args)))
    draft = services.scoring_model_draft_create(actor=city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_model_publish(actor=city_admin, model_id=draft.pk)
    assert queued == [("entitlements.start_full_run", (RULE_KEY,))]
