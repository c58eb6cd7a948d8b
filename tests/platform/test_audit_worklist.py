import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import InternalError, transaction
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist.models import ItemStatus, Priority, WorkItem
from civilaffairs.worklist.selectors import worklist_for_user
from civilaffairs.worklist.services import workitem_escalate_overdue, workitem_raise, workitem_transition


def raise_item(region, *, hours=48, key="", title="核查线索"):
    item, _ = workitem_raise(kind="test.lead", title=title, region_code=region.code,
                             due_at=timezone.now() + dt.timedelta(hours=hours), dedupe_key=key)
    return item


def test_audit_events_cannot_be_changed_or_deleted(home_household):
    event = AuditEvent.objects.filter(action="registry.household_created").first()
    assert event is not None
    with pytest.raises(InternalError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(InternalError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_a_service_write_and_its_audit_event_commit_or_fail_together(city):
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_item(city.community)
        raise RuntimeError("boom")
    assert WorkItem.objects.count() == 0
    assert not AuditEvent.objects.filter(action="worklist.item_raised").exists()


def test_raising_an_item_again_with_the_same_key_updates_it(city):
    first = raise_item(city.community, key="lead:1")
    second = raise_item(city.community, key="lead:1", title="核查线索（更新）")
    assert first.pk == second.pk
    assert WorkItem.objects.get().title == "核查线索（更新）"


def test_the_worklist_shows_overdue_items_first_and_only_in_jurisdiction(grid_worker, city):
    later = raise_item(city.community, hours=10)
    overdue = raise_item(city.community, hours=-5)
    raise_item(city.other_community, hours=-50)
    raise_item(city.neighbour, hours=-50)
    assert list(worklist_for_user(user=grid_worker)) == [overdue, later]


def test_completing_an_item_needs_an_outcome_and_is_audited(grid_worker, city):
    item = raise_item(city.community)
    with pytest.raises(ValidationError):
        workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.DONE)
    workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.IN_PROGRESS)
    done = workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.DONE, outcome="已入户核实")
    assert done.closed_at is not None and done.assignee == grid_worker
    assert AuditEvent.objects.filter(action="worklist.item_done", object_id=str(item.pk), actor=grid_worker).exists()
    with pytest.raises(ValidationError):
        workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.OPEN)


def test_a_worker_of_another_district_cannot_work_the_item(other_district_worker, city):
    from django.core.exceptions import PermissionDenied

    item = raise_item(city.community)
    with pytest.raises(PermissionDenied):
        workitem_transition(item_id=item.pk, actor=other_district_worker, to_status=ItemStatus.IN_PROGRESS)


def test_overdue_items_are_escalated_once(city):
    overdue = raise_item(city.community, hours=-1)
    raise_item(city.community, hours=5)
    assert workitem_escalate_overdue() == 1
    assert workitem_escalate_overdue() == 0
    overdue.refresh_from_db()
    assert overdue.escalated and overdue.priority == Priority.URGENT
