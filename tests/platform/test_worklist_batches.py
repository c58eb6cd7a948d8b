"""Raising and closing many items at once: one statement, one audit event, nothing twice."""
import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist import sources
from civilaffairs.worklist.models import ItemStatus, Priority, WorkItem
from civilaffairs.worklist.services import (
    ItemRow, priority_for_due, workitem_close, workitem_prioritise_by_due, workitem_raise, workitem_raise_many,
)

pytestmark = pytest.mark.django_db


def rows(city, n=3, *, title="入户走访", subject_id="7"):
    return [ItemRow(kind="visit" if i % 2 else "call", title=f"{title}{i}", region_code=city.community.code,
                    dedupe_key=f"test.batch:{i}", subject_type="registry.household", subject_id=subject_id)
            for i in range(n)]


def writes_to_items(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT INTO WORKLIST_WORKITEM", "UPDATE WORKLIST_WORKITEM"))]


def test_raising_a_batch_twice_adds_nothing_and_writes_one_audit_event(city):
    with CaptureQueriesContext(connection) as ctx:
        first = workitem_raise_many(rows=rows(city), context={"round": "2024Q3"})
    assert len(writes_to_items(ctx)) == 1
    assert first.created_count == 3 and WorkItem.objects.count() == 3
    second = workitem_raise_many(rows=rows(city))
    assert second.created_count == 0 and second.refreshed == []
    assert WorkItem.objects.count() == 3
    (event,) = AuditEvent.objects.filter(action="worklist.items_raised")
    assert event.after["created"] == 3 and event.after["refreshed"] == 0
    assert event.after["kinds"] == {"call": 2, "visit": 1}
    assert sorted(event.after["keys"]) == ["test.batch:0", "test.batch:1", "test.batch:2"]
    assert event.after["round"] == "2024Q3"
    assert "入户走访" not in str(event.after)  # keys and counts, not the items' text


def test_a_refreshing_batch_updates_the_open_items_instead_of_adding(city):
    workitem_raise_many(rows=rows(city))
    again = workitem_raise_many(rows=rows(city, title="复查"), refresh=("title",))
    assert again.created_count == 0 and len(again.refreshed) == 3
    assert sorted(WorkItem.objects.values_list("title", flat=True)) == ["复查0", "复查1", "复查2"]


def test_a_batch_may_come_from_the_callers_select(city):
    select = ("SELECT 'visit' AS kind, '走访' || g AS title, '' AS detail, %(region)s AS region_id, "
              "'' AS subject_type, '' AS subject_id, '' AS link, NULL::timestamptz AS due_at, 2 AS priority, "
              "'test.sel:' || g AS dedupe_key FROM generate_series(1, 5) g", {"region": city.community.code})
    assert workitem_raise_many(select=select).created_count == 5
    assert workitem_raise_many(select=select).created_count == 0
    assert WorkItem.objects.filter(dedupe_key__startswith="test.sel:").count() == 5


def test_an_item_naming_a_subject_without_a_source_cannot_be_raised(city):
    with pytest.raises(ValueError, match="no worklist source"), transaction.atomic():
        workitem_raise(kind="visit", title="走访", region_code=city.community.code, subject_type="nobody.thing",
                       subject_id="1")
    with pytest.raises(ValueError, match="no worklist source"), transaction.atomic():
        workitem_raise_many(rows=[ItemRow(kind="visit", title="走访", region_code=city.community.code,
                                          dedupe_key="x:1", subject_type="nobody.thing", subject_id="1")])
    with pytest.raises(ValueError, match="no worklist source"), transaction.atomic():
        workitem_raise_many(select=("SELECT 1", {}), kinds=[("visit", "nobody.thing")])
    assert not WorkItem.objects.exists()


def test_a_source_that_lists_its_kinds_refuses_another_kind(city):
    sources.source_register("test.kinded", sources.Source(kinds=("test.visit",)))
    try:
        workitem_raise(kind="test.visit", title="走访", region_code=city.community.code, subject_type="test.kinded",
                       subject_id="1")
        with pytest.raises(ValueError, match="does not raise kind"), transaction.atomic():
            workitem_raise(kind="test.other", title="走访", region_code=city.community.code,
                           subject_type="test.kinded", subject_id="1")
        assert sources.registered_kinds()["test.visit"] == "test.kinded"
    finally:
        sources._SOURCES.pop("test.kinded")


def test_closing_by_subject_closes_many_in_one_statement_and_one_event(city, grid_worker):
    workitem_raise_many(rows=rows(city, 3, subject_id="7"))
    other = workitem_raise(kind="visit", title="另一户", region_code=city.community.code,
                           subject_type="registry.household", subject_id="8")[0]
    with CaptureQueriesContext(connection) as ctx:
        closed = workitem_close(subject_type="registry.household", subject_ids=[7], outcome="已入户", actor=grid_worker)
    assert len(closed) == 3 and len(writes_to_items(ctx)) == 1
    assert set(WorkItem.objects.filter(pk__in=closed).values_list("status", "outcome")) == {(ItemStatus.DONE, "已入户")}
    other.refresh_from_db()
    assert other.status == ItemStatus.OPEN
    (event,) = AuditEvent.objects.filter(action="worklist.items_done")
    assert event.after["count"] == 3 and sorted(event.after["ids"]) == closed
    assert event.actor == grid_worker
    assert workitem_close(subject_type="registry.household", subject_ids=[7], outcome="再次") == []
    assert AuditEvent.objects.filter(action__startswith="worklist.items_done").count() == 1


def test_closing_by_subject_can_keep_some_kinds_open(city):
    workitem_raise_many(rows=rows(city, 3))
    closed = workitem_close(subject_type="registry.household", subject_ids=["7"], exclude_kinds=["call"],
                            outcome="完成")
    assert list(WorkItem.objects.filter(pk__in=closed).values_list("kind", flat=True)) == ["visit"]
    assert WorkItem.objects.filter(kind="call", status=ItemStatus.OPEN).count() == 2


def test_closing_one_item_by_key_audits_it_as_the_item(city):
    item = workitem_raise(kind="visit", title="走访", region_code=city.community.code, dedupe_key="one:1")[0]
    assert workitem_close(keys=["one:1"], outcome="已办", to_status=ItemStatus.CANCELLED) == [item.pk]
    item.refresh_from_db()
    assert (item.status, item.outcome) == (ItemStatus.CANCELLED, "已办") and item.closed_at is not None
    event = AuditEvent.objects.get(action="worklist.item_cancelled")
    assert event.object_id == str(item.pk) and event.before["status"] == ItemStatus.OPEN
    # a closed item's key is free again: the next raise is a new item
    assert workitem_raise(kind="visit", title="走访", region_code=city.community.code,
                          dedupe_key="one:1")[0].pk != item.pk


def test_closing_by_a_select_of_keys(city):
    workitem_raise_many(rows=rows(city, 3))
    closed = workitem_close(keys_select=("SELECT 'test.batch:' || g FROM generate_series(0, 1) g", {}),
                            outcome="批量")
    assert len(closed) == 2
    assert WorkItem.objects.filter(status=ItemStatus.OPEN).get().dedupe_key == "test.batch:2"


NOW = timezone.make_aware(dt.datetime(2024, 6, 1, 9))


@pytest.mark.parametrize("left,expected", [
    (dt.timedelta(hours=23, minutes=59), Priority.HIGH), (dt.timedelta(days=1), Priority.HIGH),
    (dt.timedelta(days=1, minutes=1), Priority.NORMAL), (dt.timedelta(days=3), Priority.NORMAL),
    (dt.timedelta(days=3, minutes=1), Priority.LOW),
])
def test_priority_follows_the_time_left(left, expected):
    assert priority_for_due(NOW + left, now=NOW) == expected


def test_the_beat_lifts_items_as_their_due_time_nears_and_never_lowers(city):
    now = timezone.now()
    soon = workitem_raise(kind="k", title="明天到期", region_code=city.community.code, priority=Priority.LOW,
                          due_at=now + dt.timedelta(hours=12))[0]
    later = workitem_raise(kind="k", title="两天后到期", region_code=city.community.code, priority=Priority.LOW,
                           due_at=now + dt.timedelta(days=2))[0]
    far = workitem_raise(kind="k", title="下月到期", region_code=city.community.code, priority=Priority.LOW,
                         due_at=now + dt.timedelta(days=30))[0]
    urgent = workitem_raise(kind="k", title="紧急", region_code=city.community.code, priority=Priority.URGENT,
                            due_at=now + dt.timedelta(days=2))[0]
    assert workitem_prioritise_by_due(now=now) == 2
    got = dict(WorkItem.objects.values_list("pk", "priority"))
    assert (got[soon.pk], got[later.pk], got[far.pk], got[urgent.pk]) == (
        Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.URGENT)
    assert workitem_prioritise_by_due(now=now) == 0


def test_the_admin_cannot_add_an_item_about_a_subject_without_a_source(admin_client, city):
    from django.urls import reverse

    r = admin_client.post(reverse("admin:worklist_workitem_add"), {
        "kind": "visit", "title": "走访", "region": city.community.code, "priority": Priority.NORMAL,
        "subject_type": "nobody.thing", "subject_id": "1", "detail": "", "link": ""})
    assert r.status_code == 200 and "没有登记待办来源" in r.content.decode()
    assert not WorkItem.objects.exists()
