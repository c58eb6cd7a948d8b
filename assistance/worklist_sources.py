"""What assistance's work items stand for, told to the worklist (``civilaffairs.worklist.sources``).

An application's items (one per waiting step, ``workflow.WAITING``; materials owed by an
emergency case; a requested emergency payment) and a review's item are closed by the
application's and the review's own services, through ``workitem_close``, when the record moves.
While the record still waits on the item's step, closing the item from the worklist (page, API,
admin) would only hide the work: the source refuses with the reason and sends the worker to the
page where the step is done. An item whose record has moved on (left open by an older release)
may be closed on the worklist. Each item links to its household's page (``household_360``, which
does its own scoping).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from civilaffairs.worklist.sources import Source, source_register

from .models import Application, Decision, DecisionOutcome, DecisionState, Review
from .workflow import WAITING

APPLICATION = "assistance.application"
REVIEW = "assistance.review"
MATERIALS_KIND = "assistance.materials"
EMERGENCY_KIND = "assistance.emergency_request"
REVIEW_KIND = "assistance.review"
APPLICATION_KINDS = (*(f"assistance.{status}" for status in WAITING), MATERIALS_KIND, EMERGENCY_KIND)


def _pk(item) -> int | None:
    try:
        return int(item.subject_id)
    except (TypeError, ValueError):
        return None


def _household_urls(items, household_by_subject: dict[int, int]) -> dict[int, str]:
    return {item.pk: reverse("assistance:household_360", args=[household_by_subject[_pk(item)]])
            for item in items if _pk(item) in household_by_subject}


# --- applications ---------------------------------------------------------------------

def application_item_waiting(item) -> str | None:
    """Why the item cannot be closed on the worklist yet (its application still waits on it), or None."""
    pk = _pk(item)
    app = Application.objects.filter(pk=pk).only("status", "emergency").first() if pk is not None else None
    if app is None:
        return None
    if item.kind == f"assistance.{app.status}" and app.status in WAITING:
        return _("该申请仍在“%(step)s”环节等待办理：请在申请页面办理，办理后待办事项自动办结。") % {
            "step": WAITING[app.status][1]}
    if item.kind == MATERIALS_KIND and not app.is_final and not app.materials.exists():
        return _("该申请仍待补收证明材料：请在申请页面上传材料，上传后待办事项自动办结。")
    if item.kind == EMERGENCY_KIND and Decision.objects.filter(
            application_id=pk, outcome=DecisionOutcome.EMERGENCY, state=DecisionState.PROPOSED).exists():
        return _("该先行救助请求仍待审批：请在申请页面批准或不予批准，办理后待办事项自动办结。")
    return None


def application_item_close_url(item) -> str | None:
    if application_item_waiting(item) is None:
        return None
    return reverse("assistance:application_detail", args=[_pk(item)])


def application_item_closed(*, item, actor, to_status: str, outcome: str, resolution: str) -> None:
    if (refusal := application_item_waiting(item)) is not None:
        raise ValidationError(refusal)


def application_item_lock(item) -> None:
    """The application first, then its item: the order of the application's own services."""
    if (pk := _pk(item)) is not None:
        list(Application.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def application_subject_urls(items) -> dict[int, str]:
    ids = {_pk(i) for i in items} - {None}
    return _household_urls(items, dict(Application.objects.filter(pk__in=ids).values_list("pk", "household_id")))


# --- reviews --------------------------------------------------------------------------

def review_item_waiting(item) -> str | None:
    pk = _pk(item)
    if pk is not None and Review.objects.filter(pk=pk, completed_at__isnull=True).exists():
        return _("该定期复核尚未完成：请在复核页面完成复核，完成后待办事项自动办结。")
    return None


def review_item_close_url(item) -> str | None:
    return reverse("assistance:review_list") if review_item_waiting(item) is not None else None


def review_item_closed(*, item, actor, to_status: str, outcome: str, resolution: str) -> None:
    if (refusal := review_item_waiting(item)) is not None:
        raise ValidationError(refusal)


def review_item_lock(item) -> None:
    if (pk := _pk(item)) is not None:
        list(Review.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def review_subject_urls(items) -> dict[int, str]:
    ids = {_pk(i) for i in items} - {None}
    return _household_urls(items, dict(Review.objects.filter(pk__in=ids)
                                       .values_list("pk", "benefit__household_id")))


def register() -> None:
    source_register(APPLICATION, Source(
        on_close=application_item_closed, close_url=application_item_close_url, lock=application_item_lock,
        subject_urls=application_subject_urls, close_hint=application_item_waiting, kinds=APPLICATION_KINDS))
    source_register(REVIEW, Source(
        on_close=review_item_closed, close_url=review_item_close_url, lock=review_item_lock,
        subject_urls=review_subject_urls, close_hint=review_item_waiting, kinds=(REVIEW_KIND,)))
