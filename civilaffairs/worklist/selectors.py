from __future__ import annotations

from django.db.models import BigIntegerField, Case, IntegerField, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset

from .models import OPEN_STATUSES, WorkItem


def worklist_for_user(*, user, include_closed: bool = False) -> QuerySet[WorkItem]:
    """Items in the user's jurisdiction: overdue first, then by due time and priority."""
    qs = scope_queryset(WorkItem.objects.select_related("region", "assignee"), user,
                        capability=Capability.MANAGE_WORKLIST)
    if not include_closed:
        qs = qs.filter(status__in=OPEN_STATUSES)
    now = timezone.now()
    return qs.annotate(
        overdue_rank=Case(When(due_at__lt=now, status__in=OPEN_STATUSES, then=Value(0)), default=Value(1),
                          output_field=IntegerField())
    ).order_by("overdue_rank", "due_at", "-priority", "id")


def workitem_get_for_user(*, user, pk: int) -> WorkItem:
    return get_scoped_or_404(WorkItem.objects.select_related("region"), user,
                             capability=Capability.MANAGE_WORKLIST, pk=pk)


def workitems_open(*, keys=(), subject_type: str = "", subject_ids=()) -> QuerySet[WorkItem]:
    """Open items by dedupe key or subject, for the programme that raised them (no user scope:
    the programme's own service or page has scoped its record already)."""
    qs = WorkItem.objects.filter(status__in=OPEN_STATUSES)
    if keys:
        return qs.filter(dedupe_key__in=list(keys))
    if subject_type:
        return qs.filter(subject_type=subject_type, subject_id__in=[str(s) for s in subject_ids])
    return qs.none()


def overdue_subject_ids(*, subject_type: str, now=None) -> QuerySet:
    """The ids (bigint) of the records of ``subject_type`` with an overdue open item, as a subquery
    for the programme's own list filters (uses the open (subject_type, due_at) index)."""
    return (WorkItem.objects.filter(subject_type=subject_type, status__in=OPEN_STATUSES,
                                    due_at__lt=now or timezone.now())
            .annotate(subject_pk=Cast("subject_id", BigIntegerField())).values("subject_pk"))
