"""Raising and working worklist items. Any app raises items through ``workitem_raise`` (one) or
``workitem_raise_many`` (a batch, set-based) and closes them through ``workitem_close``; the
worker moves them through ``workitem_transition``. The SQL is in ``sql``, nowhere else."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.lib.errors import StateConflict
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log

from . import sql
from .models import OPEN_STATUSES, TRANSITIONS, ItemStatus, Priority, WorkItem
from .sources import check_raisable, source_for, source_lock

AUDIT_KEYS_MAX = 500  # keys listed in one batch audit event; the counts are always whole
DUE_HIGH = dt.timedelta(days=1)
DUE_NORMAL = dt.timedelta(days=3)


def priority_for_due(due_at: dt.datetime | None, *, now: dt.datetime | None = None) -> int:
    """How pressing an item is by the time left before it is due: within a day 高, within three
    days 普通, else 低 (no due time: 普通). Overdue items are raised to 紧急 by the beat
    (``workitem_escalate_overdue``), which also lifts open items as their due time nears
    (``workitem_prioritise_by_due``)."""
    if due_at is None:
        return Priority.NORMAL
    left = due_at - (now or timezone.now())
    if left <= DUE_HIGH:
        return Priority.HIGH
    if left <= DUE_NORMAL:
        return Priority.NORMAL
    return Priority.LOW


@transaction.atomic(savepoint=False)  # inside a caller's transaction, its failure is the caller's: no savepoint
def workitem_raise(*, kind: str, title: str, region_code: str, due_at: dt.datetime | None = None,
                   priority: int = Priority.NORMAL, subject=None, subject_type: str = "", subject_id: str = "",
                   detail: str = "", link: str = "", dedupe_key: str = "", actor=None) -> tuple[WorkItem, bool]:
    """Raise an item, or update the open one with the same ``dedupe_key``. Returns (item, created)."""
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = str(subject.pk)
    check_raisable(kind, subject_type)
    fields = dict(kind=kind, title=title, region_id=region_code, due_at=due_at, priority=priority,
                  subject_type=subject_type, subject_id=str(subject_id), detail=detail, link=link)
    if dedupe_key:
        # At most one open item per key (a partial unique index): no ordering to compile or sort.
        existing = next(iter(WorkItem.objects.select_for_update()
                             .filter(dedupe_key=dedupe_key, status__in=OPEN_STATUSES).order_by()[:1]), None)
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save(update_fields=[*fields.keys(), "updated_at"])
            audit_log(actor=actor, action="worklist.item_updated", obj=existing, region_code=region_code,
                      after={"title": title, "due_at": due_at, "priority": priority})
            return existing, False
    item = WorkItem.objects.create(dedupe_key=dedupe_key, **fields)
    audit_log(actor=actor, action="worklist.item_raised", obj=item, region_code=region_code,
              after={"kind": kind, "title": title, "due_at": due_at, "priority": priority})
    return item, True


@transaction.atomic
def workitem_transition(*, item_id: int, actor, to_status: str, outcome: str = "", resolution: str = "") -> WorkItem:
    """Move an item along its state machine. The caller must work in the item's region.
    Closing an item whose programme registered a ``Source`` closes the programme's record too,
    in this transaction (``resolution``: that programme's verdict code, see ``sources``)."""
    source_lock(item_id)  # the programme's record first, as the programme's own services do
    item = WorkItem.objects.select_for_update().get(pk=item_id)
    if not user_can(actor, Capability.MANAGE_WORKLIST, item.region_id):
        raise PermissionDenied(_("您无权处理该辖区的待办事项。"))
    if to_status not in TRANSITIONS.get(item.status, set()):
        raise StateConflict(_("事项当前状态为“%(cur)s”，不能变更为“%(to)s”。") % {
            "cur": item.get_status_display(), "to": ItemStatus(to_status).label})
    if to_status == ItemStatus.DONE and not outcome.strip():
        raise ValidationError({"outcome": _("办结时请填写办理结果。")})
    before = {"status": item.status, "assignee": item.assignee_id}
    item.status = to_status
    update = ["status", "updated_at"]
    if to_status == ItemStatus.IN_PROGRESS:
        item.assignee = actor
        update.append("assignee")
    if to_status in (ItemStatus.DONE, ItemStatus.CANCELLED):
        item.closed_at = timezone.now()
        item.outcome = outcome.strip()
        update += ["closed_at", "outcome"]
    item.save(update_fields=update)
    audit_log(actor=actor, action=f"worklist.item_{to_status}", obj=item, region_code=item.region_id,
              before=before, after={"status": to_status, "outcome": item.outcome})
    source = source_for(item)
    if source is not None and source.on_close is not None and to_status in (ItemStatus.DONE, ItemStatus.CANCELLED):
        source.on_close(item=item, actor=actor, to_status=to_status, outcome=item.outcome,
                        resolution=resolution.strip())
    return item


@transaction.atomic
def workitem_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Mark open items past their due time as escalated (督办) and raise them to urgent.
    Idempotent: an item is escalated once."""
    now = now or timezone.now()
    ids = list(WorkItem.objects.select_for_update(skip_locked=True)
               .filter(Q(status__in=OPEN_STATUSES), due_at__lt=now, escalated=False)
               .values_list("pk", flat=True))
    if not ids:
        return 0
    WorkItem.objects.filter(pk__in=ids).update(escalated=True, priority=Priority.URGENT, updated_at=now)
    audit_log(actor=None, action="worklist.escalated_overdue", object_type="worklist.workitem",
              after={"count": len(ids), "ids": ids[:100]})
    return len(ids)


WORKITEM_EDITABLE = ("due_at", "priority", "assignee")


@transaction.atomic
def workitem_update(*, item_id: int, actor, **changes) -> WorkItem:
    """Reschedule, reprioritise or reassign an open item (its status moves only by transitions)."""
    unknown = set(changes) - set(WORKITEM_EDITABLE)
    if unknown:
        raise ValidationError(_("不能直接修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    item = WorkItem.objects.select_for_update().get(pk=item_id)
    if not user_can(actor, Capability.MANAGE_WORKLIST, item.region_id):
        raise PermissionDenied(_("您无权处理该辖区的待办事项。"))
    if not item.is_open:
        raise StateConflict(_("事项已办结，不能再修改。"))
    before = {f: getattr(item, f) for f in changes}
    for field, value in changes.items():
        setattr(item, field, value)
    item.save(update_fields=[*changes, "updated_at"])
    audit_log(actor=actor, action="worklist.item_updated", obj=item, region_code=item.region_id, before=before,
              after=changes)
    return item


# --- batches: raise and close many items in one statement ------------------------------------

@dataclass(frozen=True)
class ItemRow:
    """One item of a batch raised from Python (``workitem_raise_many(rows=…)``)."""
    kind: str
    title: str
    region_code: str
    dedupe_key: str
    due_at: dt.datetime | None = None
    priority: int = Priority.NORMAL
    subject_type: str = ""
    subject_id: str = ""
    detail: str = ""
    link: str = ""


@dataclass
class RaiseResult:
    created: list[int] = field(default_factory=list)    # ids of new items
    refreshed: list[int] = field(default_factory=list)  # ids of open items updated in place (``refresh``)
    keys: list[str] = field(default_factory=list)       # dedupe keys of both, in id order
    kinds: dict[str, int] = field(default_factory=dict)  # how many of each kind

    @classmethod
    def from_returning(cls, returned) -> "RaiseResult":
        """From the rows ``sql.raise_from`` returns (id, subject_id, dedupe_key, created, kind)."""
        returned = sorted(returned)
        return cls(created=[r[0] for r in returned if r[3]], refreshed=[r[0] for r in returned if not r[3]],
                   keys=[r[2] for r in returned], kinds=dict(sorted(Counter(r[4] for r in returned).items())))

    @property
    def created_count(self) -> int:
        return len(self.created)


_ROWS_SELECT = """
SELECT DISTINCT ON (r.dedupe_key) r.kind, r.title, r.detail, r.region_id, r.subject_type, r.subject_id, r.link,
       r.due_at, r.priority, r.dedupe_key
FROM unnest(%(kind)s::text[], %(title)s::text[], %(detail)s::text[], %(region_id)s::text[],
            %(subject_type)s::text[], %(subject_id)s::text[], %(link)s::text[], %(due_at)s::timestamptz[],
            %(priority)s::smallint[], %(dedupe_key)s::text[])
     AS r(kind, title, detail, region_id, subject_type, subject_id, link, due_at, priority, dedupe_key)
ORDER BY r.dedupe_key"""


def _rows_params(rows: Sequence[ItemRow]) -> dict:
    for row in rows:
        if not row.dedupe_key:
            raise ValueError("every item of a batch needs a dedupe_key (raising it again must add nothing)")
        if len(row.title) > 200:
            raise ValueError(f"title longer than 200 characters: {row.title[:40]}…")
        check_raisable(row.kind, row.subject_type)
    return {"kind": [r.kind for r in rows], "title": [r.title for r in rows], "detail": [r.detail for r in rows],
            "region_id": [r.region_code for r in rows], "subject_type": [r.subject_type for r in rows],
            "subject_id": [str(r.subject_id) for r in rows], "link": [r.link for r in rows],
            "due_at": [r.due_at for r in rows], "priority": [int(r.priority) for r in rows],
            "dedupe_key": [r.dedupe_key for r in rows]}


@transaction.atomic(savepoint=False)
def workitem_raise_many(*, rows: Sequence[ItemRow] | None = None, select: tuple[str, dict] | None = None,
                        kinds: Iterable[tuple[str, str]] = (), refresh: tuple[str, ...] = (), actor=None,
                        region_code: str = "", context: dict | None = None) -> RaiseResult:
    """Raise a batch of open items in one INSERT … SELECT. Each item carries a dedupe key; an open
    item with the same key is kept (``refresh``: those columns updated), so raising twice adds
    nothing. The items come as ``rows`` or as the caller's ``select`` = (SQL, params) yielding
    ``sql.RAISE_COLUMNS``; a SELECT names the (kind, subject_type) pairs it yields in ``kinds``, each
    checked against the sources. One audit event for the batch: counts per kind, ids and keys
    (``context``: the caller's own reference, e.g. a review period; no personal data)."""
    if (rows is None) == (select is None):
        raise ValueError("give rows or select")
    if rows is not None:
        if not rows:
            return RaiseResult()
        query, params = _ROWS_SELECT, _rows_params(rows)
    else:
        query, params = select
        for kind, subject_type in kinds:
            check_raisable(kind, subject_type)
    with connection.cursor() as cur:
        cur.execute(sql.raise_from(query, refresh=refresh), params)
        result = RaiseResult.from_returning(cur.fetchall())
    workitem_batch_audit(action="worklist.items_raised", result=result, actor=actor, region_code=region_code,
                         context=context)
    return result


def workitem_batch_audit(*, action: str, result: RaiseResult, actor=None, region_code: str = "",
                         context: dict | None = None) -> None:
    """The one audit event of a batch raised through ``sql.raise_from`` — by ``workitem_raise_many``
    or inside a programme's own statement (the scoring engine's lead statement), whose caller
    passes what the statement returned. Nothing raised or refreshed: no event."""
    if not result.created and not result.refreshed:
        return
    audit_log(actor=actor, action=action, object_type="worklist.workitem", region_code=region_code,
              after={**(context or {}), "created": len(result.created), "refreshed": len(result.refreshed),
                     "kinds": result.kinds, "ids": (result.created + result.refreshed)[:AUDIT_KEYS_MAX],
                     "keys": result.keys[:AUDIT_KEYS_MAX],
                     "truncated": len(result.keys) > AUDIT_KEYS_MAX})


@transaction.atomic(savepoint=False)
def workitem_close(*, outcome: str, ids: Iterable[int] = (), keys: Iterable[str] = (), subject_type: str = "",
                   subject_ids: Iterable[int | str] = (), kinds: Iterable[str] | None = None,
                   exclude_kinds: Iterable[str] = (), keys_select: tuple[str, dict] | None = None,
                   to_status: str = ItemStatus.DONE, actor=None) -> list[int]:
    """Close open items in one UPDATE: by ids, by dedupe keys, by subject (``subject_type`` and one
    or many ``subject_ids``, optionally only some ``kinds`` / not ``exclude_kinds``), or by the
    dedupe keys a caller's SELECT yields (``keys_select`` = (SQL, params), one column). For the
    programme that owns the subject: no per-region rights check and no source hook (the
    programme's own service has decided; the worker's path is ``workitem_transition``). Already
    closed items are left alone, so closing twice closes nothing. One audit event: for one item
    ``worklist.item_<status>`` on it, for more ``worklist.items_<status>`` with the count and ids.
    Returns the ids closed."""
    if to_status not in (ItemStatus.DONE, ItemStatus.CANCELLED):
        raise ValueError(f"workitem_close closes (done or cancelled), not {to_status!r}")
    ids, keys, subject_ids = list(ids), list(keys), [str(s) for s in subject_ids]
    conditions, params = [], {"outcome": outcome.strip()[:4000], "to_status": str(to_status)}
    if ids:
        conditions.append("w.id = ANY(%(ids)s)")
        params["ids"] = ids
    if keys:
        conditions.append("(w.dedupe_key = ANY(%(keys)s) AND w.dedupe_key <> '')")
        params["keys"] = keys
    if keys_select is not None:
        conditions.append(f"(w.dedupe_key IN ({keys_select[0]}) AND w.dedupe_key <> '')")
        params.update(keys_select[1])
    if subject_type and subject_ids:
        subject = "w.subject_type = %(subject_type)s AND w.subject_id = ANY(%(subject_ids)s)"
        params.update(subject_type=subject_type, subject_ids=subject_ids)
        if kinds is not None:
            subject += " AND w.kind = ANY(%(kinds)s)"
            params["kinds"] = list(kinds)
        if exclude_kinds:
            subject += " AND NOT (w.kind = ANY(%(exclude_kinds)s))"
            params["exclude_kinds"] = list(exclude_kinds)
        conditions.append(f"({subject})")
    if not conditions:
        return []
    with connection.cursor() as cur:
        cur.execute(sql.close_where(" OR ".join(conditions)), params)
        closed = cur.fetchall()
    workitem_close_audit(closed=closed, to_status=to_status, outcome=params["outcome"], actor=actor)
    return sorted(r[0] for r in closed)


def workitem_close_audit(*, closed, to_status: str, outcome: str, actor=None) -> None:
    """The one audit event of a close through ``sql.close_where`` (``workitem_close``, or a
    programme's own statement passing what it returned: (id, region_id, previous status,
    assignee_id, dedupe_key) rows). One item: ``worklist.item_<status>`` on it; more: one
    ``worklist.items_<status>`` with the count, ids and keys."""
    closed = sorted(tuple(r) for r in closed)
    if len(closed) == 1:
        item_id, region_id, before, assignee_id, _key = closed[0]
        audit_log(actor=actor, action=f"worklist.item_{to_status}", object_type="worklist.workitem",
                  object_id=item_id, region_code=region_id, before={"status": before, "assignee": assignee_id},
                  after={"status": str(to_status), "outcome": outcome})
    elif closed:
        audit_log(actor=actor, action=f"worklist.items_{to_status}", object_type="worklist.workitem",
                  after={"count": len(closed), "ids": [r[0] for r in closed][:AUDIT_KEYS_MAX],
                         "keys": [r[4] for r in closed if r[4]][:AUDIT_KEYS_MAX],
                         "truncated": len(closed) > AUDIT_KEYS_MAX, "outcome": outcome[:200]})


@transaction.atomic
def workitem_prioritise_by_due(*, now: dt.datetime | None = None) -> int:
    """Lift open, not yet escalated items whose due time nears (``priority_for_due``): never lowers."""
    now = now or timezone.now()
    lifted = 0
    for priority, within in ((Priority.HIGH, DUE_HIGH), (Priority.NORMAL, DUE_NORMAL)):
        lifted += (WorkItem.objects.filter(status__in=OPEN_STATUSES, escalated=False, due_at__gte=now,
                                           due_at__lte=now + within, priority__lt=priority)
                   .update(priority=priority, updated_at=now))
    if lifted:
        audit_log(actor=None, action="worklist.prioritised_by_due", object_type="worklist.workitem",
                  after={"count": lifted})
    return lifted
