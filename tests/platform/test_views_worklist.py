"""Worklist pages: scoped list and detail, and status changes through the service."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist.models import ItemStatus
from civilaffairs.worklist.services import workitem_raise

pytestmark = pytest.mark.django_db

LIST = reverse("worklist:list")


@pytest.fixture
def item(city):
    obj, _ = workitem_raise(kind="visit", title="入户走访王小明", region_code=city.community.code,
                            due_at=timezone.now() + dt.timedelta(days=2))
    return obj


@pytest.fixture
def overdue_item(city):
    obj, _ = workitem_raise(kind="lead", title="超期线索核查", region_code=city.community.code,
                            due_at=timezone.now() - dt.timedelta(hours=3))
    return obj


@pytest.fixture
def other_item(city):
    obj, _ = workitem_raise(kind="visit", title="江北走访", region_code=city.other_community.code)
    return obj


def url(name, item):
    return reverse(f"worklist:{name}", args=[item.pk])


def test_the_worklist_shows_my_items_overdue_first(client, grid_worker, item, overdue_item, other_item):
    client.force_login(grid_worker)
    html = client.get(LIST).content.decode()
    assert html.index("超期线索核查") < html.index("入户走访王小明")
    assert "江北走访" not in html
    assert "已超期" in html


def test_the_worklist_filters_overdue_only(client, grid_worker, item, overdue_item):
    client.force_login(grid_worker)
    r = client.get(LIST, {"overdue": "on"})
    assert [i.title for i in r.context["items"]] == ["超期线索核查"]


def test_the_worklist_hides_closed_items_unless_asked(client, grid_worker, item):
    client.force_login(grid_worker)
    client.post(url("cancel", item), {"reason": "重复"})
    assert "入户走访王小明" not in client.get(LIST).content.decode()
    assert "入户走访王小明" in client.get(LIST, {"status": ItemStatus.CANCELLED}).content.decode()
    assert "入户走访王小明" in client.get(LIST, {"status": "all"}).content.decode()


def test_the_worklist_has_an_empty_state(client, grid_worker, city):
    client.force_login(grid_worker)
    assert "没有符合条件的待办事项" in client.get(LIST).content.decode()


def test_the_worklist_is_paginated(client, grid_worker, city):
    for i in range(51):
        workitem_raise(kind="k", title=f"事项{i}", region_code=city.community.code)
    client.force_login(grid_worker)
    r = client.get(LIST)
    assert len(r.context["items"]) == 50
    assert len(client.get(LIST, {"page": 2}).context["items"]) == 1


def test_the_worklist_refuses_residents_and_data_providers(client, resident, data_provider):
    client.force_login(resident)
    assert client.get(LIST).status_code == 403
    client.force_login(data_provider)
    assert client.get(LIST).status_code == 403


def test_the_worklist_sends_anonymous_visitors_to_sign_in(client, city):
    assert client.get(LIST)["Location"].startswith("/accounts/login/")


def test_an_item_detail_shows_the_item(client, grid_worker, item):
    client.force_login(grid_worker)
    r = client.get(url("detail", item))
    assert r.status_code == 200
    assert "入户走访王小明" in r.content.decode()


def test_an_item_of_another_district_answers_404(client, other_district_worker, item):
    client.force_login(other_district_worker)
    assert client.get(url("detail", item)).status_code == 404
    assert client.post(url("start", item)).status_code == 404
    assert client.post(url("complete", item), {"outcome": "x"}).status_code == 404
    assert client.post(url("cancel", item), {"reason": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_worker_starts_an_item_and_becomes_its_assignee(client, grid_worker, item):
    client.force_login(grid_worker)
    r = client.post(url("start", item), follow=True)
    assert "已开始办理" in r.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    assert item.assignee == grid_worker
    assert AuditEvent.objects.filter(action="worklist.item_in_progress", actor=grid_worker).exists()


def test_completing_needs_an_outcome(client, grid_worker, item):
    client.force_login(grid_worker)
    r = client.post(url("complete", item), {"outcome": ""})
    assert r.status_code == 400
    assert "invalid-feedback" in r.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_worker_completes_an_item_with_an_outcome(client, grid_worker, item):
    client.force_login(grid_worker)
    client.post(url("complete", item), {"outcome": "已入户核实，家庭情况无变化"})
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    assert item.outcome == "已入户核实，家庭情况无变化"


def test_an_illegal_transition_is_shown_on_the_form(client, grid_worker, item):
    client.force_login(grid_worker)
    client.post(url("complete", item), {"outcome": "done"})
    r = client.post(url("complete", item), {"outcome": "again"})
    assert r.status_code == 400
    assert "不能变更为" in r.content.decode()


def test_cancelling_asks_for_confirmation_first(client, grid_worker, item):
    client.force_login(grid_worker)
    r = client.get(url("cancel", item))
    assert r.status_code == 200
    assert "确定要撤销" in r.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_cancelling_needs_a_reason(client, grid_worker, item):
    client.force_login(grid_worker)
    r = client.post(url("cancel", item), {"reason": ""})
    assert r.status_code == 400
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_worker_cancels_an_item_with_a_reason(client, grid_worker, item):
    client.force_login(grid_worker)
    r = client.post(url("cancel", item), {"reason": "重复派发"})
    assert r["Location"] == url("detail", item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED
    assert item.outcome == "重复派发"


def test_a_resident_cannot_open_or_change_an_item(client, resident, item):
    client.force_login(resident)
    assert client.get(url("detail", item)).status_code == 403
    assert client.post(url("start", item)).status_code == 403


def test_an_item_about_a_person_links_to_their_file_and_one_about_a_household_to_its_page(
        client, grid_worker, home_household, city):
    head = home_household.head
    about_person, _ = workitem_raise(kind="visit", title="探访独居老人", region_code=city.community.code,
                                     subject=head)
    about_household, _ = workitem_raise(kind="visit", title="家庭走访", region_code=city.community.code,
                                        subject=home_household)
    client.force_login(grid_worker)
    person_page = client.get(url("detail", about_person)).content.decode()
    assert f'href="{reverse("portal:person_file", args=[head.pk])}" data-subject-link' in person_page
    household_page = client.get(url("detail", about_household)).content.decode()
    assert f'href="{reverse("registry:household_detail", args=[home_household.pk])}" data-subject-link' in household_page
    assert client.get(reverse("portal:person_file", args=[head.pk])).status_code == 200  # their caseload
