"""The difficulty index as a rule set of the platform's proactive engine (civilaffairs.entitlements).

The engine owns the runs: full runs in id-range chunks (claims, stale-claim takeover, totals
counted once), the dirty set filled by the platform's triggers, the incremental job, the beat.
This module gives it the difficulty index's ``apply`` hook, which scores the chunk or the
batch (``sql.score_range`` / ``score_target``: only changed rows written, copied to the history)
and raises or refreshes the leads (``raise_leads_range`` / ``raise_leads_target``), and says
what the engine records on ``EntitlementRun`` / ``EntitlementChunk``:

  evaluated  households scored          changed  households whose score changed
  gained     leads raised               lost     discovery leads closed because now covered
  failed     households that could not be scored (no living member, no standard)

(Refreshed leads are in the batch's ``scoring.leads_raised`` audit event.)

Version: the published ``ScoringModel``'s ``version``, read when a run starts (a callable
``Rule.version``) and recorded in the run's ``rule_versions``; every chunk of the run scores
with that model, even if another version is published meanwhile (that one calls for its own
full run). Publishing a version starts a full run (``services.scoring_model_publish``); a new
``dibao_standard`` or ``discovery_lead_hours`` row calls for one at the next engine job
(``Rule.parameters``). No published model: the rule set is not in force and runs skip it.

The explain twin is ``rules.score_household`` (the caseworker's page), held equal to the SQL by
tests/assistance/scoring/test_property.py.
"""
from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from civilaffairs.audit.services import audit_log
from civilaffairs.entitlements import sql as engine_sql
from civilaffairs.entitlements.rules import TARGET_KIND_RANGE, OnGain, Rule, Subject, register_rule

from . import sql

RULE_KEY = "assistance.difficulty_index"
# Parameters whose new rows call for a full re-score.
SCORING_PARAMETER_KEYS = ("dibao_standard", "discovery_lead_hours")
# A chunk of 100 k households sorts and hashes in memory (``sql._execute``'s work_mem).
CHUNK_SIZE = 100_000


def model_version() -> int | None:
    from .models import ModelStatus, ScoringModel

    return (ScoringModel.objects.filter(status=ModelStatus.PUBLISHED).values_list("version", flat=True).first())


def run_model(run):
    """The model version a run scores with (recorded when it started)."""
    from .models import ScoringModel

    return ScoringModel.objects.get(version=int(run.rule_versions[RULE_KEY]))


def apply(*, target_kind: str, on: dt.date, run, lo: int | None, hi: int | None,
          chunk_id: int | None = None) -> engine_sql.ApplyCounts:
    """Score the chunk [lo, hi] or the loaded target set, raise the leads; audit; the counts."""
    from .services import _audit_lead_batch, _lead_link_prefix

    model = run_model(run)
    prefix = _lead_link_prefix()
    if target_kind == TARGET_KIND_RANGE:
        counts = sql.score_range(model=model, on=on, lo=lo, hi=hi, run_id=run.pk)
        leads = sql.raise_leads_range(model=model, on=on, lo=lo, hi=hi, run_id=run.pk, link_prefix=prefix)
    else:
        counts = sql.score_target(model=model, on=on, run_id=run.pk)
        leads = sql.raise_leads_target(model=model, on=on, run_id=run.pk, link_prefix=prefix)
    if leads.raised or leads.updated:
        after = {"raised": leads.raised, "updated": leads.updated, "model": model.version}
        if chunk_id is not None:
            after["chunk"] = chunk_id
        audit_log(actor=None, action="scoring.leads_raised", obj=run, after=after)
    _audit_lead_batch(leads, obj=run, chunk=chunk_id)
    return engine_sql.ApplyCounts(evaluated=counts.scored, n_changed=counts.changed, n_gained=leads.raised,
                                  n_lost=len(leads.closed), failed=counts.failed)


def register() -> Rule:
    return register_rule(Rule(
        key=RULE_KEY, programme="assistance", label=_("困难指数与主动发现"), subject=Subject.HOUSEHOLD,
        version=model_version, apply=apply, on_gain=OnGain.REVIEW, parameters=SCORING_PARAMETER_KEYS,
        chunk_size=CHUNK_SIZE, input_tables=sql.SCORING_INPUT_TABLES, results_url_name="scoring:dashboard",
        order=10))
