"""Leads' work items closed from the worklist (page, API, admin) close the lead with them.

A lead needs a verdict (``LeadOutcome``, with a reason for some) that the worklist's free-text
outcome cannot give, so it is recorded by ``lead_record_outcome``, the lead page's own service,
and nowhere else: the worklist pages send the worker to the lead page, the API may pass the
verdict as ``resolution``, and any other close of an open lead's item is refused (the item stays
open, the transaction rolls back). The lead page closes the lead first and then its item, so by
the time this hook runs for that item the lead is closed and there is nothing left to do.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from civilaffairs.worklist.models import ItemStatus
from civilaffairs.worklist.sources import Source, source_register

from .models import Lead, LeadStatus

SUBJECT_TYPE = "scoring.lead"  # the subject_type of the work items the lead SQL raises (sql.py)
LEAD_ITEM_KINDS = ("scoring.discovery", "scoring.review")  # 'scoring.' || lead kind


def _lead_id(item) -> int | None:
    try:
        return int(item.subject_id)
    except (TypeError, ValueError):
        return None


def lead_item_close_url(item) -> str | None:
    """The lead page, while the lead is open (a closed lead's page has no verdict form)."""
    lead_id = _lead_id(item)
    if lead_id is None or not Lead.objects.filter(pk=lead_id, status=LeadStatus.OPEN).exists():
        return None
    return reverse("scoring:lead_detail", args=[lead_id])


def lead_item_lock(item) -> None:
    """Lock the lead before its item, the order of the lead page and of the re-score SQL."""
    lead_id = _lead_id(item)
    if lead_id is not None:
        list(Lead.objects.select_for_update().filter(pk=lead_id).values_list("pk", flat=True))


def lead_item_closed(*, item, actor, to_status: str, outcome: str, resolution: str) -> None:
    from .services import lead_record_outcome

    lead_id = _lead_id(item)
    if lead_id is None or not Lead.objects.filter(pk=lead_id, status=LeadStatus.OPEN).exists():
        return
    if not resolution or to_status != ItemStatus.DONE:
        # A verdict closes the lead and its item as done (as the lead page does); a lead's
        # item is never just cancelled.
        raise ValidationError(_("这是主动发现线索的待办：请在线索页面选择核实结果，线索和待办事项将一并办结。"))
    try:
        lead_record_outcome(actor=actor, lead_id=lead_id, outcome=resolution, reason=outcome)
    except ValidationError as exc:
        # The lead's "outcome" is the worklist's "resolution", its "reason" the item's "outcome".
        if hasattr(exc, "error_dict"):
            names = {"outcome": "resolution", "reason": "outcome"}
            raise ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()}) from None
        raise


def lead_item_close_hint(item) -> str | None:
    if lead_item_close_url(item) is None:
        return None
    return _("这是主动发现线索的待办：请在线索页面选择核实结果，线索和待办事项将一并办结。")


def lead_subject_urls(items) -> dict[int, str]:
    """The household's page for each lead's item (one query for the page of items)."""
    ids = {_lead_id(i) for i in items} - {None}
    households = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "household_id"))
    return {item.pk: reverse("assistance:household_360", args=[households[_lead_id(item)]])
            for item in items if _lead_id(item) in households}


def register() -> None:
    source_register(SUBJECT_TYPE, Source(on_close=lead_item_closed, close_url=lead_item_close_url,
                                         lock=lead_item_lock, subject_urls=lead_subject_urls,
                                         close_hint=lead_item_close_hint, kinds=LEAD_ITEM_KINDS))
