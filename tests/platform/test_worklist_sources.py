"""A programme's hook on closing its work items runs in the worklist's transaction."""
import pytest
from django.core.exceptions import ValidationError

from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist import sources
from civilaffairs.worklist.models import ItemStatus, WorkItem
from civilaffairs.worklist.services import workitem_raise, workitem_transition


@pytest.fixture
def calls():
    seen = []

    def on_close(**kwargs):
        seen.append(kwargs)
        if kwargs["resolution"] == "refuse":
            raise ValidationError("不行")

    sources.source_register("test.thing", sources.Source(on_close=on_close, close_url=lambda item: "/things/1/"))
    yield seen
    sources._SOURCES.pop("test.thing")


@pytest.fixture
def thing_item(city, calls):  # after its source: an item naming a subject with no source is refused
    return workitem_raise(kind="k", title="走访", region_code=city.community.code, subject_type="test.thing",
                          subject_id="1")[0]


def test_closing_an_item_calls_its_source_with_the_outcome(grid_worker, thing_item, calls):
    workitem_transition(item_id=thing_item.pk, actor=grid_worker, to_status=ItemStatus.IN_PROGRESS)
    assert calls == []
    workitem_transition(item_id=thing_item.pk, actor=grid_worker, to_status=ItemStatus.DONE, outcome="已走访",
                        resolution=" ok ")
    assert [(c["item"].pk, c["actor"], c["to_status"], c["outcome"], c["resolution"]) for c in calls] == [
        (thing_item.pk, grid_worker, ItemStatus.DONE, "已走访", "ok")]
    assert sources.close_url_for(thing_item) == "/things/1/"


def test_a_source_that_refuses_leaves_the_item_open_and_unaudited(grid_worker, thing_item, calls):
    with pytest.raises(ValidationError):
        workitem_transition(item_id=thing_item.pk, actor=grid_worker, to_status=ItemStatus.CANCELLED,
                            outcome="重复", resolution="refuse")
    thing_item.refresh_from_db()
    assert (thing_item.status, thing_item.outcome, thing_item.closed_at) == (ItemStatus.OPEN, "", None)
    assert not AuditEvent.objects.filter(action="worklist.item_cancelled").exists()


def test_items_of_no_source_close_on_the_worklist(city):
    item = workitem_raise(kind="k", title="走访", region_code=city.community.code)[0]
    assert sources.source_for(item) is None and sources.close_url_for(WorkItem(subject_type="x")) is None
