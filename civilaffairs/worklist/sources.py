"""What a programme that raises work items tells the worklist about closing them.

The worklist knows no programme: a programme whose items stand for a record of its own (a
discovery lead, an application) registers a ``Source`` for its items' ``subject_type`` in its
``AppConfig.ready``. Closing such an item (done or cancelled, from the page, the API or the admin)
then calls the source's ``on_close`` inside ``workitem_transition``'s transaction, after the item
is written: the programme brings its record along, or raises ``ValidationError`` and the item
stays open (nothing is half written). ``close_url`` is where the programme's own page records
the verdict the item's free-text outcome cannot capture; the worklist pages send the worker there
instead of offering their own close form. ``lock`` (optional) locks the programme's record before
``workitem_transition`` locks the item: programmes write their record first and its item second
(a lead's verdict, a re-score), so taking the same order here makes concurrent closes wait for
each other instead of deadlocking.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import WorkItem


@dataclass(frozen=True)
class Source:
    # on_close(item=…, actor=…, to_status=…, outcome=…, resolution=…); ``resolution`` is the
    # programme's own verdict code when the caller gave one (the API's ``resolution``), else "".
    on_close: Callable[..., None]
    close_url: Callable[[WorkItem], str] | None = None
    lock: Callable[[WorkItem], None] | None = None


_SOURCES: dict[str, Source] = {}


def source_register(subject_type: str, source: Source) -> None:
    """Register (or replace, for an app reloaded in tests) the source of ``subject_type`` items."""
    _SOURCES[subject_type] = source


def source_for(item: WorkItem) -> Source | None:
    return _SOURCES.get(item.subject_type) if item.subject_type else None


def close_url_for(item: WorkItem) -> str | None:
    """The programme page where this item is closed, or None when the worklist closes it itself."""
    source = source_for(item)
    if source is None or source.close_url is None:
        return None
    return source.close_url(item)


def source_lock(item_id: int) -> None:
    """Lock the programme record behind item ``item_id`` (if its source says how), before the item."""
    row = WorkItem.objects.filter(pk=item_id).values("subject_type", "subject_id").first()
    if not row or not row["subject_type"]:
        return
    source = _SOURCES.get(row["subject_type"])
    if source is not None and source.lock is not None:
        source.lock(WorkItem(pk=item_id, subject_type=row["subject_type"], subject_id=row["subject_id"]))
