"""Every write of the difficulty index: model versions, one household's re-score, leads and
their outcomes. Each owns its transaction and writes its audit event inside it.

Runs (full runs in chunks, the incremental job over the dirty set) are the proactive engine's
(civilaffairs.entitlements.services); the difficulty index plugs in as its rule set
``assistance.difficulty_index`` (engine.py). Safety of the jobs rests on the database:
- chunks and dirty batches are claimed, evaluated and counted once by the engine;
- score rows are written only when their content IS DISTINCT FROM the stored row, so two runs
  over the same households serialise on the row and the second writes nothing;
- leads have a unique open (household, kind) key and work items a unique open
  dedupe key: a re-run updates, never duplicates.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.lib.errors import StateConflict
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.tasks import enqueue_on_commit
from civilaffairs.worklist.models import OPEN_STATUSES, ItemStatus
from civilaffairs.worklist.services import (
    RaiseResult, workitem_batch_audit, workitem_close, workitem_close_audit, workitem_transition,
)

from . import sql
from .models import (
    COVERED_LEAD_NOTE,
    COVERED_OUTCOME,
    OUTCOMES_BY_KIND,
    OUTCOMES_NEEDING_REASON,
    Lead,
    LeadKind,
    LeadStatus,
    ModelStatus,
    ScoringModel,
)
from .selectors import current_model, today

log = logging.getLogger(__name__)

_LOCK_MODEL = 2

COPY_FIELDS = (
    "w_income", "w_expense", "w_assets", "w_health", "w_dependency", "w_employment", "income_full_ratio",
    "income_zero_ratio", "expense_full_share", "asset_multiplier", "severe_points", "chronic_points", "child_age",
    "elder_age", "recent_days", "emergency_medical_amount", "development_max_ratio", "dibian_ratio",
    "red_threshold", "yellow_threshold", "lead_cooldown_days", "review_lead_days",
)


def _lead_link_prefix() -> str:
    return reverse("scoring:lead_detail", args=[0])[:-2]  # ".../leads/0/" -> ".../leads/"


def _require_model_admin(actor) -> None:
    if actor is not None and not user_can(actor, Capability.EDIT_PARAMETERS, "3302"):
        raise PermissionDenied(_("只有市级管理员可以修改困难指数模型。"))


# --- model versions ---------------------------------------------------------------

@transaction.atomic
def scoring_model_draft_create(*, actor, base: ScoringModel | None = None, name: str = "") -> ScoringModel:
    """A new draft version, copying ``base`` (default: the version in force)."""
    _require_model_admin(actor)
    sql.lock(_LOCK_MODEL)
    base = base or ScoringModel.objects.filter(status=ModelStatus.PUBLISHED).first()
    version = (ScoringModel.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    values = {f: getattr(base, f) for f in COPY_FIELDS} if base else {}
    model = ScoringModel.objects.create(version=version, name=name or _("草稿 v%(v)s") % {"v": version},
                                        status=ModelStatus.DRAFT, created_by=actor if actor else None, **values)
    audit_log(actor=actor, action="scoring.model_draft_created", obj=model,
              after={"version": version, "base": base.version if base else None})
    return model


@transaction.atomic
def scoring_model_save_draft(*, actor, model: ScoringModel, changed: list[str] | None = None) -> ScoringModel:
    """Save edits to a draft. A published or retired version is frozen."""
    _require_model_admin(actor)
    if model.pk:
        stored = ScoringModel.objects.select_for_update().get(pk=model.pk)
        if stored.status != ModelStatus.DRAFT:
            raise StateConflict(_("已发布或停用的模型版本不能修改，请复制为新草稿。"))
    else:
        sql.lock(_LOCK_MODEL)
        model.status = ModelStatus.DRAFT
        if not model.version:
            model.version = (ScoringModel.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    model.full_clean()
    model.save()
    audit_log(actor=actor, action="scoring.model_draft_saved", obj=model,
              after={f: getattr(model, f) for f in (changed or COPY_FIELDS) if f in COPY_FIELDS})
    return model


@transaction.atomic
def scoring_model_publish(*, actor, model_id: int, start_full_run: bool = True) -> ScoringModel:
    """Put a draft in force. The previous version is retired, its score rows and
    history keep pointing at it; a full run of the difficulty index on the proactive engine is
    queued after the commit (it records the new version, read when it starts)."""
    _require_model_admin(actor)
    sql.lock(_LOCK_MODEL)
    model = ScoringModel.objects.select_for_update().get(pk=model_id)
    if model.status != ModelStatus.DRAFT:
        raise StateConflict(_("只有草稿可以发布。"))
    total = sum(model.weights().values())
    if total != 1:
        raise ValidationError(_("六个维度的权重之和必须为 1（当前为 %(t)s）。") % {"t": total})
    previous = ScoringModel.objects.select_for_update().filter(status=ModelStatus.PUBLISHED).first()
    if previous is not None:
        ScoringModel.objects.filter(pk=previous.pk).update(status=ModelStatus.RETIRED)
    ScoringModel.objects.filter(pk=model.pk).update(status=ModelStatus.PUBLISHED, published_at=timezone.now(),
                                                    published_by=actor if actor else None)
    model.refresh_from_db()
    audit_log(actor=actor, action="scoring.model_published", obj=model,
              before={"previous": previous.version if previous else None}, after={"version": model.version})
    if start_full_run:
        from civilaffairs.entitlements.tasks import start_full_run as engine_full_run

        from .engine import RULE_KEY

        enqueue_on_commit(engine_full_run, RULE_KEY)
    return model


def scoring_model_dry_run(*, actor, model_id: int, on: dt.date | None = None) -> list[dict]:
    """How many households per district would change colour under ``model``."""
    model = ScoringModel.objects.get(pk=model_id)
    on = on or today()
    with transaction.atomic():
        rows = sql.dry_run(model=model, on=on)
        result = {"on": on.isoformat(), "districts": rows,
                  "changed": sum(r["changed"] for r in rows), "households": sum(r["households"] for r in rows)}
        ScoringModel.objects.filter(pk=model.pk).update(dry_run_result=result, dry_run_at=timezone.now())
        audit_log(actor=actor, action="scoring.model_dry_run", obj=model,
                  after={"changed": result["changed"], "households": result["households"]})
    return rows


# --- re-scoring ---------------------------------------------------------------------
# Runs are the proactive engine's (civilaffairs.entitlements): the difficulty index is its rule
# set ``engine.RULE_KEY`` (engine.py). What follows scores one household at once.

@transaction.atomic
def household_rescore(*, household_id: int, on: dt.date | None = None) -> None:
    """Re-score one household now through the bulk path (e.g. after a correction)."""
    model = current_model()
    on = on or today()
    sql.score_ids(model=model, on=on, ids=[household_id], run_id=None)
    leads = sql.raise_leads_ids(model=model, on=on, ids=[household_id], run_id=None,
                                link_prefix=_lead_link_prefix())
    _audit_lead_batch(leads, object_type="registry.household", object_id=household_id)


def _changed(leads: sql.LeadCounts) -> int:
    """A run's "updated leads": refreshed open leads plus those closed because covered."""
    return leads.updated + len(leads.closed)


def _audit_lead_batch(leads: sql.LeadCounts, *, obj=None, object_type: str = "", object_id: int | str = "",
                          chunk: int | None = None) -> None:
    """The worklist's events for the batch of items the lead statements raised and closed (one
    each), and one event for the discovery leads a re-score closed because their households are
    now covered."""
    context = {"chunk": chunk} if chunk is not None else {}
    if obj is not None:
        context[obj._meta.label_lower] = obj.pk
    elif object_type:
        context[object_type] = object_id
    workitem_batch_audit(action="worklist.items_raised", result=RaiseResult.from_returning(leads.item_rows),
                         context=context)
    workitem_close_audit(closed=leads.closed_item_rows, to_status=ItemStatus.DONE,
                         outcome=sql.covered_item_outcome())
    if leads.closed:
        after = {"closed": len(leads.closed), "leads": leads.closed[:100], "items": leads.closed_items,
                 "outcome": str(COVERED_OUTCOME)}
        if chunk is not None:
            after["chunk"] = chunk
        audit_log(actor=None, action="scoring.leads_closed_covered", obj=obj, object_type=object_type,
                  object_id=object_id, after=after)


# --- leads --------------------------------------------------------------------------

@transaction.atomic
def lead_record_outcome(*, actor, lead_id: int, outcome: str, reason: str = "") -> Lead:
    """The grid worker's verdict after the visit. Closes the lead and its work item."""
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if not user_can(actor, Capability.MANAGE_WORKLIST, lead.community_id):
        raise PermissionDenied(_("您无权处理该辖区的线索。"))
    if lead.status != LeadStatus.OPEN:
        raise StateConflict(_("该线索已办结。"))
    if outcome not in OUTCOMES_BY_KIND.get(lead.kind, ()):
        raise ValidationError({"outcome": _("请选择有效的核实结果。")})
    reason = reason.strip()
    if outcome in OUTCOMES_NEEDING_REASON and not reason:
        raise ValidationError({"reason": _("请填写原因说明。")})
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CLOSED, outcome=outcome, outcome_reason=reason,
                                           closed_at=now, closed_by=actor, updated_at=now)
    lead.refresh_from_db()
    item_outcome = f"{lead.get_outcome_display()}{('：' + reason) if reason else ''}"
    if lead.work_item_id and lead.work_item.status in OPEN_STATUSES:
        workitem_transition(item_id=lead.work_item_id, actor=actor, to_status=ItemStatus.DONE, outcome=item_outcome)
    # Any other open item raised for the lead (an older link pointing at a closed item) goes too.
    _lead_items_close(lead, actor=actor, outcome=item_outcome, now=now)
    audit_log(actor=actor, action="scoring.lead_closed", obj=lead, region_code=lead.community_id,
              after={"outcome": outcome, "reason": reason})
    return lead


@transaction.atomic
def leads_close_covered(*, actor, household_id: int, note: str = "") -> Lead | None:
    """The household now receives 低保/特困/低边: its open discovery lead has done its job.
    Called by the service that grants the benefit, inside its transaction (that service has
    checked the actor's rights). A lead still open has no outcome recorded, so it is closed
    as included (纳入救助), with its work item; both audited. Every other way a benefit
    arrives is caught by the set-based twin at the next re-score (``sql._CLOSE_COVERED_LEADS``)."""
    lead = (Lead.objects.select_for_update()
            .filter(household_id=household_id, kind=LeadKind.DISCOVERY, status=LeadStatus.OPEN).first())
    if lead is None:
        return None
    note = note.strip() or str(COVERED_LEAD_NOTE)
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk).update(
        status=LeadStatus.CLOSED, outcome=COVERED_OUTCOME, outcome_reason=note, closed_at=now,
        closed_by=actor if getattr(actor, "is_authenticated", False) else None, updated_at=now)
    lead.refresh_from_db()
    audit_log(actor=actor, action="scoring.lead_closed_covered", obj=lead, region_code=lead.community_id,
              before={"status": LeadStatus.OPEN}, after={"status": lead.status, "outcome": lead.outcome,
                                                         "reason": note})
    _lead_items_close(lead, actor=actor, outcome=f"{lead.get_outcome_display()}：{note}", now=now)
    return lead


def _lead_items_close(lead: Lead, *, actor, outcome: str, now) -> None:
    """Close the lead's open work item (by its dedupe key, as the set-based path does, or the
    item it points at). Not through ``workitem_transition``: its per-region rights check is for a
    worker closing their own item, while here the calling service has already decided (the actor
    may be a district approver or the system)."""
    workitem_close(keys=[lead.dedupe_key], ids=[lead.work_item_id] if lead.work_item_id else [], outcome=outcome,
                   actor=actor)


def leads_open_count(*, household_id: int) -> int:
    return Lead.objects.filter(Q(household_id=household_id), status=LeadStatus.OPEN).count()
