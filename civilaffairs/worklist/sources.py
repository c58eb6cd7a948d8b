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

Every item that names a subject has a source: raising an item whose ``subject_type`` has none is
refused (``check_raisable``), and a source that lists its ``kinds`` refuses any other kind, so the
kinds in use can be listed (``registered_kinds``) and each is known to have a source. Items with
no subject are the worklist's own (a task added in the admin) and are closed on the worklist.
``subject_urls`` gives, for a batch of items, the page of each item's subject (the household,
person or case the item is about); that page does its own scoping, the link is only a link.
``close_hint`` is the sentence telling the worker why and where the item is closed elsewhere.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import WorkItem


@dataclass(frozen=True)
class Source:
    # on_close(item=…, actor=…, to_status=…, outcome=…, resolution=…); ``resolution`` is the
    # programme's own verdict code when the caller gave one (the API's ``resolution``), else "".
    on_close: Callable[..., None] | None = None
    close_url: Callable[[WorkItem], str | None] | None = None
    lock: Callable[[WorkItem], None] | None = None
    # subject_urls(items) -> {item.pk: url}, one query for a page of items
    subject_urls: Callable[[list[WorkItem]], dict[int, str]] | None = None
    close_hint: Callable[[WorkItem], str | None] | None = None
    kinds: tuple[str, ...] = ()  # the kinds raised for this subject type (empty: any)


_SOURCES: dict[str, Source] = {}


def source_register(subject_type: str, source: Source) -> None:
    """Register (or replace, for an app reloaded in tests) the source of ``subject_type`` items."""
    _SOURCES[subject_type] = source


def registered_kinds() -> dict[str, str]:
    """{kind: subject_type} of every kind a source declares."""
    return {kind: subject_type for subject_type, source in _SOURCES.items() for kind in source.kinds}


def check_raisable(kind: str, subject_type: str) -> None:
    """Refuse an item whose subject has no source, or of a kind its source does not raise."""
    if not subject_type:
        return
    source = _SOURCES.get(subject_type)
    if source is None:
        raise ValueError(f"no worklist source for subject type {subject_type!r} (kind {kind!r}): "
                         "register one with worklist.sources.source_register")
    if source.kinds and kind not in source.kinds:
        raise ValueError(f"the worklist source of {subject_type!r} does not raise kind {kind!r}")


def source_for(item: WorkItem) -> Source | None:
    return _SOURCES.get(item.subject_type) if item.subject_type else None


def close_url_for(item: WorkItem) -> str | None:
    """The programme page where this item is closed, or None when the worklist closes it itself."""
    source = source_for(item)
    if source is None or source.close_url is None:
        return None
    return source.close_url(item)


def close_hint_for(item: WorkItem) -> str | None:
    source = source_for(item)
    if source is None or source.close_hint is None:
        return None
    return source.close_hint(item)


def subject_urls_for(items) -> dict[int, str]:
    """{item.pk: subject page} for the items whose source links their subject, one call per source."""
    by_type: dict[str, list[WorkItem]] = {}
    for item in items:
        if item.subject_type and item.subject_id:
            by_type.setdefault(item.subject_type, []).append(item)
    urls: dict[int, str] = {}
    for subject_type, group in by_type.items():
        source = _SOURCES.get(subject_type)
        if source is not None and source.subject_urls is not None:
            urls.update(source.subject_urls(group))
    return urls


def subject_url_for(item: WorkItem) -> str | None:
    return subject_urls_for([item]).get(item.pk)


def source_lock(item_id: int) -> None:
    """Lock the programme record behind item ``item_id`` (if its source says how), before the item."""
    row = WorkItem.objects.filter(pk=item_id).values("subject_type", "subject_id").first()
    if not row or not row["subject_type"]:
        return
    source = _SOURCES.get(row["subject_type"])
    if source is not None and source.lock is not None:
        source.lock(WorkItem(pk=item_id, subject_type=row["subject_type"], subject_id=row["subject_id"]))
