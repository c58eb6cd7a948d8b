"""A lead's work item closed from the worklist closes the lead with it, with a verdict, or not at all."""
import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from assistance.scoring import services
from assistance.scoring.models import Lead
from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist.models import ItemStatus, WorkItem
from civilaffairs.worklist.services import workitem_transition

from .helpers import ON, household, monthly


@pytest.fixture
def lead(city, model):
    hh, (a,) = household(city.community, [dt.date(1950, 1, 1)], name="困难")
    monthly(a, "pension", 600)
    services.household_rescore(household_id=hh.pk, on=ON)
    return Lead.objects.select_related("work_item").get(household=hh)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_both_open(lead):
    lead.refresh_from_db()
    lead.work_item.refresh_from_db()
    assert (lead.status, lead.outcome, lead.work_item.status) == ("open", "", ItemStatus.OPEN)


def test_the_lead_item_is_a_work_item_of_the_lead(lead):
    assert (lead.work_item.subject_type, lead.work_item.subject_id) == ("scoring.lead", str(lead.pk))


def test_the_worklist_page_sends_the_grid_worker_to_the_lead_to_record_the_verdict(client, grid_worker, lead):
    client.force_login(grid_worker)
    page = client.get(reverse("worklist:detail", args=[lead.work_item_id]))
    body = page.content.decode()
    lead_url = reverse("scoring:lead_detail", args=[lead.pk])
    assert page.status_code == 200 and f'href="{lead_url}"' in body and "前往记录办理结果" in body
    assert reverse("worklist:complete", args=[lead.work_item_id]) not in body
    assert reverse("worklist:cancel", args=[lead.work_item_id]) not in body


def test_closing_the_lead_item_from_the_worklist_leads_to_the_lead_page_and_leaves_both_open(
        client, grid_worker, lead):
    client.force_login(grid_worker)
    for name, data in (("complete", {"outcome": "已入户"}), ("cancel", {"reason": "重复"})):
        r = client.post(reverse(f"worklist:{name}", args=[lead.work_item_id]), data)
        assert r.status_code == 302 and r["Location"] == reverse("scoring:lead_detail", args=[lead.pk])
        assert_both_open(lead)
    assert client.get(reverse("worklist:cancel", args=[lead.work_item_id])).status_code == 302


def test_recording_the_verdict_on_the_lead_page_closes_the_work_item_once(client, grid_worker, lead):
    client.force_login(grid_worker)
    r = client.post(reverse("scoring:lead_detail", args=[lead.pk]), {"outcome": "false_alarm", "reason": "已外出务工"})
    assert r.status_code == 302
    lead.refresh_from_db()
    lead.work_item.refresh_from_db()
    assert (lead.status, lead.outcome, lead.work_item.status) == ("closed", "false_alarm", ItemStatus.DONE)
    assert AuditEvent.objects.filter(action="scoring.lead_closed", object_id=str(lead.pk)).count() == 1
    assert AuditEvent.objects.filter(action="worklist.item_done", object_id=str(lead.work_item_id)).count() == 1
    page = client.get(reverse("worklist:detail", args=[lead.work_item_id])).content.decode()
    assert "该事项已关闭" in page and "前往记录办理结果" not in page


def test_the_api_refuses_to_close_a_lead_item_without_a_verdict(grid_worker, lead):
    url = f"/api/v1/worklist/items/{lead.work_item_id}/transition/"
    for body in ({"to_status": "done", "outcome": "已入户"}, {"to_status": "cancelled", "outcome": "重复"}):
        r = api_as(grid_worker).post(url, body, format="json")
        assert r.status_code == 400 and "请在线索页面选择核实结果" in str(r.json())
        assert_both_open(lead)


def test_the_api_closes_the_lead_item_and_the_lead_with_a_verdict(grid_worker, lead):
    url = f"/api/v1/worklist/items/{lead.work_item_id}/transition/"
    r = api_as(grid_worker).post(url, {"to_status": "done", "outcome": "户主已外出务工，收入正常",
                                       "resolution": "false_alarm"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    lead.refresh_from_db()
    assert (lead.status, lead.outcome, lead.outcome_reason, lead.closed_by) == (
        "closed", "false_alarm", "户主已外出务工，收入正常", grid_worker)
    assert AuditEvent.objects.filter(action="scoring.lead_closed", actor=grid_worker).count() == 1
    assert AuditEvent.objects.filter(action="worklist.item_done", actor=grid_worker).count() == 1


def test_a_verdict_the_lead_does_not_allow_closes_nothing(grid_worker, lead):
    url = f"/api/v1/worklist/items/{lead.work_item_id}/transition/"
    r = api_as(grid_worker).post(url, {"to_status": "done", "outcome": "维持", "resolution": "confirmed"},
                                 format="json")
    assert r.status_code == 400 and "resolution" in r.json()
    assert_both_open(lead)
    assert not AuditEvent.objects.filter(action__in=["worklist.item_done", "scoring.lead_closed"]).exists()


def test_a_worker_of_another_district_cannot_close_the_lead_item(client, other_district_worker, lead):
    client.force_login(other_district_worker)
    assert client.get(reverse("worklist:detail", args=[lead.work_item_id])).status_code == 404
    assert client.post(reverse("worklist:complete", args=[lead.work_item_id]), {"outcome": "x"}).status_code == 404
    r = api_as(other_district_worker).post(f"/api/v1/worklist/items/{lead.work_item_id}/transition/",
                                           {"to_status": "done", "outcome": "x", "resolution": "included"},
                                           format="json")
    assert r.status_code == 404
    with pytest.raises(PermissionDenied):
        workitem_transition(item_id=lead.work_item_id, actor=other_district_worker, to_status=ItemStatus.DONE,
                            outcome="x", resolution="included")
    assert_both_open(lead)


def test_a_neighbouring_grid_worker_cannot_close_it_either(client, neighbour_grid_worker, lead):
    client.force_login(neighbour_grid_worker)
    assert client.post(reverse("worklist:complete", args=[lead.work_item_id]), {"outcome": "x"}).status_code == 404
    assert_both_open(lead)


def test_the_admin_cancel_action_leaves_an_open_lead_and_its_item_open(city_admin, lead):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post("/admin/worklist/workitem/")
    request.user = city_admin
    request.session = {}
    request._messages = FallbackStorage(request)
    site._registry[WorkItem].cancel_items(request, WorkItem.objects.filter(pk=lead.work_item_id))
    assert any("请在线索页面选择核实结果" in str(m) for m in request._messages)
    assert_both_open(lead)


def test_an_item_naming_no_lead_closes_as_any_other(grid_worker, city):
    from civilaffairs.worklist.services import workitem_raise

    item, _ = workitem_raise(kind="scoring.discovery", title="走访", region_code=city.community.code,
                             subject_type="scoring.lead",
                             subject_id="not-a-lead")
    assert workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.DONE,
                               outcome="已走访").status == ItemStatus.DONE


def test_a_lead_item_is_not_cancelled_with_a_verdict(grid_worker, lead):
    url = f"/api/v1/worklist/items/{lead.work_item_id}/transition/"
    r = api_as(grid_worker).post(url, {"to_status": "cancelled", "outcome": "重复", "resolution": "included"},
                                 format="json")
    assert r.status_code == 400
    assert_both_open(lead)


@pytest.mark.django_db(transaction=True)
def test_the_lead_page_and_the_worklist_closing_at_the_same_moment_wait_for_each_other(city, grid_worker):
    """Everyone takes the lead before its item (the lead page, the re-score SQL, and the
    worklist through its source's lock), so a second close waits and is then refused: no deadlock."""
    import threading
    import time

    from django.core.exceptions import ValidationError
    from django.db import connection, transaction

    from .conftest import ensure_model

    ensure_model()
    hh, (a,) = household(city.community, [dt.date(1950, 1, 1)], name="困难")
    monthly(a, "pension", 600)
    services.household_rescore(household_id=hh.pk, on=ON)
    lead = Lead.objects.get(household=hh)
    lead_locked, worklist_waiting = threading.Event(), threading.Event()
    results = {}

    def lead_page_close():
        try:
            with transaction.atomic():
                Lead.objects.select_for_update().get(pk=lead.pk)   # what lead_record_outcome does first
                lead_locked.set()
                worklist_waiting.wait(10)
                services.lead_record_outcome(actor=grid_worker, lead_id=lead.pk, outcome="included")
            results["lead page"] = "closed"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            results["lead page"] = repr(exc)
        finally:
            connection.close()

    def worklist_close():
        lead_locked.wait(10)
        try:
            workitem_transition(item_id=lead.work_item_id, actor=grid_worker, to_status=ItemStatus.DONE,
                                outcome="未发现困难", resolution="false_alarm")
            results["worklist"] = "closed"
        except ValidationError:
            results["worklist"] = "refused"
        except Exception as exc:  # noqa: BLE001
            results["worklist"] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=lead_page_close), threading.Thread(target=worklist_close)]
    [t.start() for t in threads]
    lead_locked.wait(10)
    with connection.cursor() as cur:   # the worklist's transaction is now waiting on a lock
        for _ in range(100):
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
                        "current_database()")
            if cur.fetchone()[0]:
                break
            time.sleep(0.05)
    worklist_waiting.set()
    [t.join(30) for t in threads]
    assert results == {"lead page": "closed", "worklist": "refused"}
    lead.refresh_from_db()
    lead.work_item.refresh_from_db()
    assert (lead.status, lead.outcome, lead.work_item.status) == ("closed", "included", ItemStatus.DONE)
