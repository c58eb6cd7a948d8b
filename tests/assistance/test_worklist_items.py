"""Assistance's work items: each kind has a source; an item closes when its application or review
moves, and the worklist (page, API) cannot close it while the record still waits on it."""
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from assistance import services as svc
from assistance.models import Benefit, Review
from assistance.worklist_sources import APPLICATION_KINDS, REVIEW_KIND
from assistance.workflow import WAITING
from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist import sources
from civilaffairs.worklist.models import ItemStatus, Priority, WorkItem
from civilaffairs.worklist.services import priority_for_due

pytestmark = pytest.mark.django_db


def open_item(app, kind=None) -> WorkItem:
    return WorkItem.objects.get(subject_type="assistance.application", subject_id=str(app.pk),
                                status__in=["open", "in_progress"], **({"kind": kind} if kind else {}))


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_every_kind_assistance_raises_has_a_source(city):
    kinds = sources.registered_kinds()
    expected = {*(f"assistance.{s}" for s in WAITING), "assistance.materials", "assistance.emergency_request",
                REVIEW_KIND, "scoring.discovery", "scoring.review"}
    assert expected <= set(kinds)
    assert {kinds[k] for k in APPLICATION_KINDS} == {"assistance.application"}
    assert kinds[REVIEW_KIND] == "assistance.review"


def test_every_item_an_application_walk_raises_is_of_a_registered_kind(at):
    app = at("decision")
    kinds = set(WorkItem.objects.filter(subject_id=str(app.pk)).values_list("kind", flat=True))
    assert {"assistance.submitted", "assistance.accepted", "assistance.decision"} <= kinds
    assert kinds <= set(sources.registered_kinds())


def test_moving_the_application_closes_its_item_and_raises_the_next(at, township_officer):
    app = at("submitted")
    item = open_item(app)
    assert item.kind == "assistance.submitted"
    svc.application_accept(actor=township_officer, application_id=app.pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.outcome.startswith("受理")
    assert AuditEvent.objects.filter(action="worklist.item_done", object_id=str(item.pk),
                                     actor=township_officer).exists()
    assert open_item(app).kind == "assistance.accepted"


def test_the_worklist_page_refuses_to_close_a_waiting_application_item(client, at, township_officer):
    app = at("submitted")
    item = open_item(app)
    client.force_login(township_officer)
    detail = client.get(reverse("worklist:detail", args=[item.pk]))
    html = detail.content.decode()
    application_page = reverse("assistance:application_detail", args=[app.pk])
    assert f'href="{application_page}"' in html and "等待办理" in html
    assert reverse("worklist:complete", args=[item.pk]) not in html  # no 办结 form offered
    r = client.post(reverse("worklist:complete", args=[item.pk]), {"outcome": "已受理"})
    assert r.status_code == 302 and r["Location"] == application_page
    assert any("受理救助申请" in str(m) for m in get_messages(r.wsgi_request))
    r = client.post(reverse("worklist:cancel", args=[item.pk]), {"reason": "重复"})
    assert r.status_code == 302 and r["Location"] == application_page
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.outcome == ""


def test_the_worklist_api_refuses_to_close_a_waiting_application_item(at, township_officer):
    app = at("submitted")
    item = open_item(app)
    url = f"/api/v1/worklist/items/{item.pk}/transition/"
    r = api_as(township_officer).post(url, {"to_status": "done", "outcome": "已受理"}, format="json")
    assert r.status_code == 400
    assert "等待办理" in str(r.json())
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not AuditEvent.objects.filter(action="worklist.item_done", object_id=str(item.pk)).exists()
    # taking it up is fine: only closing waits for the application
    r = api_as(township_officer).post(url, {"to_status": "in_progress"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"


def test_an_item_whose_application_moved_on_may_be_closed_on_the_worklist(at, township_officer):
    from civilaffairs.worklist.services import workitem_raise, workitem_transition

    app = at("accepted")
    stale, _ = workitem_raise(kind="assistance.submitted", title="旧待办", region_code=app.community_id[:9],
                              subject=app, dedupe_key=f"test.stale:{app.pk}")
    assert workitem_transition(item_id=stale.pk, actor=township_officer, to_status=ItemStatus.DONE,
                               outcome="已处理").status == ItemStatus.DONE


def test_an_application_item_links_to_its_household_and_that_page_is_scoped(client, at, township_officer,
                                                                            other_district_worker):
    app = at("submitted")
    item = open_item(app)
    household_page = reverse("assistance:household_360", args=[app.household_id])
    client.force_login(township_officer)
    assert f'href="{household_page}"' in client.get(reverse("worklist:list")).content.decode()
    assert f'href="{household_page}"' in client.get(reverse("worklist:detail", args=[item.pk])).content.decode()
    assert api_as(township_officer).get(f"/api/v1/worklist/items/{item.pk}/").json()["subject_url"] == household_page
    assert client.get(household_page).status_code == 200
    client.force_login(other_district_worker)
    assert client.get(household_page).status_code == 404
    assert client.get(reverse("worklist:detail", args=[item.pk])).status_code == 404


def test_an_application_item_is_prioritised_by_its_due_time(at):
    app = at("submitted")
    item = open_item(app)
    assert item.priority == priority_for_due(item.due_at, now=item.created_at)
    assert item.priority != Priority.URGENT  # only emergencies and overdue items are 紧急


def test_a_review_round_raises_items_once_with_one_audit_event(at, staff, client):
    app = at("approved")
    assert svc.review_round_start() == 1
    assert svc.review_round_start() == 0
    review = Review.objects.get(benefit=Benefit.objects.get(household=app.household, programme="dibao"))
    item = WorkItem.objects.get(kind=REVIEW_KIND)
    assert (item.subject_type, item.subject_id, item.dedupe_key) == (
        "assistance.review", str(review.pk), f"assistance.review:{review.pk}")
    (event,) = AuditEvent.objects.filter(action="worklist.items_raised")
    assert event.after["created"] == 1 and event.after["kinds"] == {REVIEW_KIND: 1}
    assert event.after["period"] == review.period

    # not closed from the worklist while the review is open ...
    r = api_as(staff["township"]).post(f"/api/v1/worklist/items/{item.pk}/transition/",
                                       {"to_status": "done", "outcome": "已复核"}, format="json")
    assert r.status_code == 400 and "复核" in str(r.json())
    client.force_login(staff["township"])
    r = client.post(reverse("worklist:complete", args=[item.pk]), {"outcome": "已复核"})
    assert r["Location"] == reverse("assistance:review_list")
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    # ... and closed by the review itself
    svc.review_complete(actor=staff["township"], review_id=review.pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.outcome


def test_the_admin_cancel_action_leaves_a_waiting_application_item_open(city_admin, at):
    from django.contrib.admin.sites import site
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    app = at("submitted")
    item = open_item(app)
    request = RequestFactory().post("/admin/worklist/workitem/")
    request.user = city_admin
    request.session = {}
    request._messages = FallbackStorage(request)
    site._registry[WorkItem].cancel_items(request, WorkItem.objects.filter(pk=item.pk))
    assert any("等待办理" in str(m) for m in request._messages)
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
