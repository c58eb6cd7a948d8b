"""Raising and working worklist items. Any app raises items through ``workitem_raise``."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log

from .models import OPEN_STATUSES, TRANSITIONS, ItemStatus, Priority, WorkItem
from .sources import source_for, source_lock


@transaction.atomic(savepoint=False)  # inside a caller's transaction, its failure is the caller's: no savepoint
def workitem_raise(*, kind: str, title: str, region_code: str, due_at: dt.datetime | None = None,
                   priority: int = Priority.NORMAL, subject=None, subject_type: str = "", subject_id: str = "",
                   detail: str = "", link: str = "", dedupe_key: str = "", actor=None) -> tuple[WorkItem, bool]:
    """Raise an item, or update the open one with the same ``dedupe_key``. Returns (item, created)."""
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = str(subject.pk)
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
        raise ValidationError(_("事项当前状态为“%(cur)s”，不能变更为“%(to)s”。") % {
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
    if source is not None and to_status in (ItemStatus.DONE, ItemStatus.CANCELLED):
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
        raise ValidationError(_("事项已办结，不能再修改。"))
    before = {f: getattr(item, f) for f in changes}
    for field, value in changes.items():
        setattr(item, field, value)
    item.save(update_fields=[*changes, "updated_at"])
    audit_log(actor=actor, action="worklist.item_updated", obj=item, region_code=item.region_id, before=before,
              after=changes)
    return item
