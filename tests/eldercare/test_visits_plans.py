"""Visit plans and visits (area D): plans follow the living arrangement; a visit's bounds; a missed
week raises one item per plan and week, closed by a visit; a risk raises its referral; the weekly
visit rate; the pages' refusals."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civilaffairs.registry.services import household_add_member, household_create
from civilaffairs.worklist.models import ItemStatus, WorkItem
from eldercare.models import PlanStatus, RiskLevel, Visit, VisitPlan
from eldercare.services import visits as svc
from tests import factories as f
from tests.eldercare import visits_fixtures as fx

elder_alone, township_officer = fx.elder_alone, fx.township_officer  # a helper and a fixture of the area

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = svc.week_start(TODAY)


def visit(plan, actor, at, risks=()):
    return svc.visit_record(actor=actor, plan_id=plan.pk, mode="in_person", visited_at=at, health="good",
                            safety="safe", needs=[], risks=list(risks))


def at_day(day: dt.date, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def homes(city):
    """Alone, a couple of elders (empty nest), a grandmother with her grandson, a younger person alone."""
    alone = elder_alone(city.community, name="独居甲")
    husband, wife = f.person(name="空巢夫", birth=dt.date(1950, 1, 1)), f.person(name="空巢妻", birth=dt.date(1952, 1, 1),
                                                                               female=True)
    hh = household_create(actor=None, community_code=city.community.code, head=husband)
    household_add_member(actor=None, household=hh, person=wife, relation="spouse")
    grandma, grandson = f.person(name="同住奶奶", birth=dt.date(1945, 1, 1), female=True), f.person(birth=dt.date(2012, 1, 1))
    hh2 = household_create(actor=None, community_code=city.community.code, head=grandma)
    household_add_member(actor=None, household=hh2, person=grandson, relation="grandchild")
    young = f.person(name="青年", birth=dt.date(1990, 1, 1))
    household_create(actor=None, community_code=city.community.code, head=young)
    return {"alone": alone, "husband": husband, "wife": wife, "grandma": grandma, "young": young}


def test_plans_go_to_elders_living_alone_or_empty_nest_only_and_syncing_twice_adds_nothing(city, homes):
    assert svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14)) == {"created": 3, "ended": 0}
    assert svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14)) == {"created": 0, "ended": 0}
    planned = set(VisitPlan.objects.values_list("person__name", flat=True))
    assert planned == {"独居甲", "空巢夫", "空巢妻"}
    alone = VisitPlan.objects.get(person=homes["alone"])
    assert (alone.arrangement, alone.risk_level, alone.interval_days) == ("alone", RiskLevel.HIGH, 3)  # 80+
    assert VisitPlan.objects.get(person=homes["husband"]).interval_days == 7


def test_a_plan_ends_when_the_elder_no_longer_lives_alone_and_its_missed_item_is_cancelled(city, homes):
    svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14))
    svc.visits_missed_week(today=TODAY)
    plan = VisitPlan.objects.get(person=homes["alone"])
    assert WorkItem.objects.filter(subject_id=str(plan.pk), status="open").count() == 1
    household = homes["alone"].memberships.get().household
    household_add_member(actor=None, household=household, person=f.person(birth=dt.date(2000, 1, 1)),
                         relation="grandchild")
    assert svc.visit_plans_sync() == {"created": 0, "ended": 1}
    plan.refresh_from_db()
    assert (plan.status, plan.end_reason) == (PlanStatus.ENDED, "out_of_scope")
    assert WorkItem.objects.get(subject_id=str(plan.pk)).status == ItemStatus.CANCELLED


def test_planning_a_community_needs_the_planner_right_over_it(city, homes, grid_worker, township_officer):
    with pytest.raises(PermissionDenied):
        svc.visit_plans_create_for_community(actor=grid_worker, community_code=city.community.code)
    assert svc.visit_plans_create_for_community(actor=township_officer,
                                                community_code=city.community.code)["created"] == 3


def test_a_visit_is_neither_in_the_future_nor_before_the_plan_and_twice_is_once(city, homes, grid_worker):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    now = timezone.now()
    with pytest.raises(ValidationError) as future:
        visit(plan, grid_worker, now + dt.timedelta(minutes=5))
    assert "晚于现在" in str(future.value)
    with pytest.raises(ValidationError) as early:
        visit(plan, grid_worker, at_day(plan.starts_on - dt.timedelta(days=1), 23))
    assert "早于巡访计划" in str(early.value)
    first = visit(plan, grid_worker, at_day(plan.starts_on, 0))  # the plan's first day: allowed
    assert visit(plan, grid_worker, first.visited_at).pk == first.pk
    assert Visit.objects.count() == 1


def test_a_visit_needs_the_visit_right_over_the_community(city, homes, neighbour_grid_worker, district_approver):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    for outsider in (neighbour_grid_worker, district_approver):
        with pytest.raises(PermissionDenied):
            visit(plan, outsider, timezone.now() - dt.timedelta(minutes=1))


def test_a_missed_week_raises_one_item_per_plan_and_week_and_a_visit_closes_it(city, homes, grid_worker):
    svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14))
    plans = {p.person.name: p for p in VisitPlan.objects.select_related("person")}
    visit(plans["空巢夫"], grid_worker, at_day(MONDAY - dt.timedelta(days=7)))  # last Monday: visited
    visit(plans["空巢妻"], grid_worker, at_day(MONDAY - dt.timedelta(days=1), 20))  # last Sunday evening
    first = svc.visits_missed_week(today=TODAY)
    assert first.created_count == 1
    assert svc.visits_missed_week(today=TODAY).created_count == 0  # the job again: nothing new
    item = WorkItem.objects.get(kind=svc.MISSED_KIND)
    assert item.subject_id == str(plans["独居甲"].pk) and item.status == ItemStatus.OPEN
    visit(plans["独居甲"], grid_worker, timezone.now() - dt.timedelta(minutes=1))
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    assert svc.visits_missed_week(today=TODAY).created_count == 0  # closed stays closed: once per week


def test_a_plan_started_during_last_week_has_no_missed_week(city, homes):
    svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=6))
    assert svc.visits_missed_week(today=TODAY).created_count == 0


def test_the_missed_item_cannot_be_closed_on_the_worklist_without_a_visit(city, homes, grid_worker):
    from civilaffairs.worklist.services import workitem_transition

    svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14))
    svc.visits_missed_week(today=TODAY)
    item = WorkItem.objects.filter(kind=svc.MISSED_KIND).first()
    with pytest.raises(ValidationError):
        workitem_transition(item_id=item.pk, actor=grid_worker, to_status="done", outcome="已电话联系")


def test_a_risk_found_raises_its_referral_once_per_kind_of_help(city, homes, grid_worker):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    found = visit(plan, grid_worker, timezone.now() - dt.timedelta(minutes=1), risks=["illness", "fall", "hardship"])
    kinds = sorted(WorkItem.objects.filter(subject_type="eldercare.visit", subject_id=str(found.pk))
                   .values_list("kind", flat=True))
    assert kinds == ["eldercare.referral_assistance", "eldercare.referral_doctor"]
    assert visit(plan, grid_worker, timezone.now() - dt.timedelta(minutes=2)).risks == []
    assert WorkItem.objects.filter(subject_type="eldercare.visit").count() == 2


def test_the_weekly_visit_rate_by_community(city, homes, grid_worker, township_officer):
    from civilaffairs.portal.dashboards import Period, scoped_regions
    from eldercare.capabilities import VIEW
    from eldercare.dashboards_visits import weekly_visit_drilldown, weekly_visit_rate

    svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14))
    other = elder_alone(city.neighbour, name="邻社独居")
    svc.visit_plans_sync(on=MONDAY - dt.timedelta(days=14))
    plans = {p.person.name: p for p in VisitPlan.objects.select_related("person")}
    visit(plans["独居甲"], grid_worker, timezone.now() - dt.timedelta(minutes=1))
    visit(plans["空巢夫"], grid_worker, at_day(MONDAY - dt.timedelta(days=1)))  # last week: does not count
    assert other.pk
    month = TODAY.replace(day=1)
    figures = weekly_visit_rate(regions=scoped_regions(township_officer, VIEW, city.township.code),
                                period=Period(month, month), breakdown=12)
    table = {key: [s.values[i] for s in figures.series] for i, (key, _l) in enumerate(figures.categories)}
    assert table[city.community.code] == [pytest.approx(33.3), 3, 1]
    assert table[city.neighbour.code] == [0.0, 1, 0]
    assert "not_visited=on" in weekly_visit_drilldown(category=city.community.code, series="rate", regions=None,
                                                      period=None)
    mine = weekly_visit_rate(regions=scoped_regions(grid_worker, VIEW, city.township.code),
                             period=Period(month, month), breakdown=12)
    assert [k for k, _l in mine.categories] == [city.community.code]  # a grid worker counts their community only


# --- pages ------------------------------------------------------------------------------------------

def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_pages_answer_their_own_community_and_refuse_others(city, homes, grid_worker, neighbour_grid_worker,
                                                                resident, township_officer):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    due = _client(grid_worker).get(reverse("eldercare:visits_due"))
    assert due.status_code == 200 and "独居甲" in due.content.decode()
    assert "独居甲" not in _client(neighbour_grid_worker).get(reverse("eldercare:visits_due")).content.decode()
    for name in ("eldercare:visit_plan_detail", "eldercare:visit_record"):
        url = reverse(name, args=[plan.pk])
        assert _client(grid_worker).get(url).status_code == 200
        assert _client(neighbour_grid_worker).get(url).status_code == 404
        assert _client(resident).get(url).status_code == 403
        assert _client(None).get(url).status_code == 302
    listing = _client(township_officer).get(reverse("eldercare:visit_plan_list") + "?not_visited=on")
    assert listing.status_code == 200 and "独居甲" in listing.content.decode()
    assign = reverse("eldercare:visit_plan_assign", args=[plan.pk])
    assert _client(grid_worker).post(assign, {"visitor": grid_worker.pk, "risk_level": "normal"}).status_code == 403
    assert _client(township_officer).post(assign, {"visitor": grid_worker.pk, "risk_level": "normal"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.visitor_id, plan.interval_days) == (grid_worker.pk, 7)
    assert _client(township_officer).post(assign, {"visitor": neighbour_grid_worker.pk,
                                                   "risk_level": "normal"}).status_code == 400


def test_the_visit_form_records_a_visit_from_a_phone(city, homes, grid_worker):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    url = reverse("eldercare:visit_record", args=[plan.pk])
    when = timezone.localtime() - dt.timedelta(minutes=3)
    response = _client(grid_worker).post(url, {"mode": "phone", "visited_at": when.strftime("%Y-%m-%dT%H:%M"),
                                               "health": "fair", "safety": "hazard", "risks": ["unsafe_home"],
                                               "note": "燃气灶老化"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Visit.objects.get().risks == ["unsafe_home"]
    late = _client(grid_worker).post(url, {"mode": "phone", "health": "fair", "safety": "safe",
                                           "visited_at": (when + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert late.status_code == 400 and "晚于现在" in late.content.decode()


def test_the_person_file_shows_the_visits_section(city, homes, grid_worker):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    visit(plan, grid_worker, timezone.now() - dt.timedelta(minutes=1))
    page = _client(grid_worker).get(reverse("portal:person_file", args=[homes["alone"].pk]))
    assert page.status_code == 200 and "巡访、智能设备与告警" in page.content.decode()


def test_the_visit_api_records_a_visit_with_the_page_s_rules(city, homes, grid_worker, neighbour_grid_worker):
    svc.visit_plans_sync(on=TODAY - dt.timedelta(days=3))
    plan = VisitPlan.objects.get(person=homes["alone"])
    url = f"/api/v1/eldercare/visit-plans/{plan.pk}/visit/"
    body = {"mode": "video", "health": "poor", "safety": "safe", "risks": ["illness"],
            "visited_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat()}
    assert _client(neighbour_grid_worker).post(url, body, content_type="application/json").status_code == 404
    future = {**body, "visited_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()}
    response = _client(grid_worker).post(url, future, content_type="application/json")
    assert response.status_code == 400 and "晚于现在" in str(response.json())
    assert _client(grid_worker).post(url, body, content_type="application/json").status_code == 201
    listed = _client(grid_worker).get("/api/v1/eldercare/visit-plans/").json()["results"]
    assert {p["id"]: p["visited_this_week"] for p in listed}[plan.pk] is True
    assert WorkItem.objects.filter(kind="eldercare.referral_doctor").count() == 1
