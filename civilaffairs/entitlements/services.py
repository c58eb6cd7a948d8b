"""Every write of the proactive engine: marking subjects dirty, full runs and their chunks, the
incremental job, the age-line job. Each owns its transaction and audits inside it.

Safety rests on the database, not on Celery delivering once (the scoring engine's patterns):
- a chunk is claimed (running, ``claimed_at``, attempts + 1) in a short transaction, then
  evaluated and marked done in one transaction that locks the chunk row and checks the claim is
  still its own: a redelivered task finds it running or done and does nothing; a killed worker's
  evaluation rolls back, and after ``STALE_CLAIM`` its chunk is claimed again (the sweep, or a
  redelivery) and redone;
- run totals are added in the transaction that marks the chunk done: counted once;
- candidates are written only where the rule's answer IS DISTINCT FROM the stored row, so a
  rerun changes nothing and calls no callback;
- an incremental batch deletes the dirty rows it claims in the transaction that evaluates them:
  a rollback leaves them dirty, a mark made meanwhile stays for the next run.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.audit.services import audit_log
from civilaffairs.lib.tasks import enqueue
from civilaffairs.registry.models import PolicyParameter
from civilaffairs.worklist.models import ItemStatus
from civilaffairs.worklist.services import workitem_close, workitem_raise_many

from . import sql
from .models import AgeLineDay, ChunkStatus, DirtySubject, EntitlementChunk, EntitlementRun, RunKind, RunStatus
from .rules import (
    TARGET_KIND_RANGE, TARGET_KIND_SET, DirtyReason, OnGain, Rule, Subject, get_rule, registered_age_lines,
    rule_registry,
)

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 200_000
INCREMENTAL_BATCH = 10_000
STALE_CLAIM = dt.timedelta(minutes=15)  # longer than a chunk task may run (its hard time limit)
AGE_LINE_CATCH_UP_DAYS = 366
AUDIT_IDS_MAX = 500
SUBJECT_TYPE = "entitlements.candidate"  # the worklist subject of a REVIEW rule's items
_LOCK_RUN_START = 1
_LOCK_AGE_LINES = 2


def today() -> dt.date:
    return timezone.localdate()


def _lost_reasons() -> list[str]:
    return [_("不再符合条件")]


# --- dirty subjects ------------------------------------------------------------------------------

def _check_reason(reason: str) -> None:
    if reason not in DirtyReason.values:
        raise ValueError(f"unknown dirty reason {reason!r}; one of {DirtyReason.values}")


@transaction.atomic(savepoint=False)
def mark_dirty_persons(ids: Iterable[int], reason: str) -> int:
    """Mark persons for re-evaluation by every rule (set-based; marking twice adds nothing).
    Call from the service that changed them, inside its transaction."""
    _check_reason(reason)
    return sql.mark_ids(subject_type=Subject.PERSON, ids=ids, reason=reason)


@transaction.atomic(savepoint=False)
def mark_dirty_households(ids: Iterable[int], reason: str) -> int:
    _check_reason(reason)
    return sql.mark_ids(subject_type=Subject.HOUSEHOLD, ids=ids, reason=reason)


# --- applying one rule's answer to a batch ---------------------------------------------------------

def _apply(rule: Rule, *, on: dt.date, run: EntitlementRun, lo: int | None = None, hi: int | None = None,
           chunk_id: int | None = None) -> sql.ApplyCounts:
    """Evaluate ``rule`` over the range (or the loaded target set), write what changed, run the
    rule's callbacks with the candidate ids, and write the batch's one audit event. A rule set
    with its own tables (``rule.apply``) does all of that itself and returns its counts."""
    if rule.apply is not None:
        return rule.apply(target_kind=TARGET_KIND_RANGE if lo is not None else TARGET_KIND_SET, on=on, run=run,
                          lo=lo, hi=hi, chunk_id=chunk_id)
    if lo is not None:
        counts = sql.apply_range(rule, on=on, lo=lo, hi=hi, run_id=run.pk, lost_reasons=_lost_reasons())
    else:
        counts = sql.apply_target(rule, on=on, run_id=run.pk, lost_reasons=_lost_reasons())
    if counts.gained:
        if rule.on_gain == OnGain.GRANT:
            rule.grant(counts.gained, on)
        else:
            _raise_review_items(rule, counts.gained, run=run)
    if counts.changed and rule.on_change is not None:
        rule.on_change(counts.changed, on)
    if counts.lost:
        if rule.on_gain == OnGain.REVIEW:
            _close_review_items(rule, counts.lost)
        if rule.on_loss is not None:
            rule.on_loss(counts.lost, on)
    if counts.changed_total:
        after = {"rule": rule.key, "version": rule.version_now, "on": on, "evaluated": counts.evaluated,
                 "gained": len(counts.gained), "changed": len(counts.changed), "lost": len(counts.lost),
                 "gained_ids": counts.gained[:AUDIT_IDS_MAX], "lost_ids": counts.lost[:AUDIT_IDS_MAX],
                 "truncated": max(len(counts.gained), len(counts.lost)) > AUDIT_IDS_MAX}
        if chunk_id is not None:
            after["chunk"] = chunk_id
        audit_log(actor=None, action="entitlements.candidates_changed", obj=run, after=after)
    return counts


def review_dedupe_key(rule_key: str, candidate_id: int) -> str:
    return f"entitlement.{rule_key}:{candidate_id}"


def _subject_link_prefix(subject_type: str) -> str:
    name = "portal:person_file" if subject_type == Subject.PERSON else "registry:household_detail"
    return reverse(name, args=[0])[:-2]  # ".../0/" -> ".../"


_REVIEW_ITEMS = """
SELECT %(kind)s AS kind, left(%(title)s || '（' || c.subject_type_label || '）', 200) AS title,
       coalesce((SELECT string_agg(x, '；') FROM jsonb_array_elements_text(c.reasons) AS x), '') AS detail,
       c.community_id AS region_id, %(subject_type)s AS subject_type, c.id::text AS subject_id,
       %(link_prefix)s || c.subject_id || '/' AS link, now() + make_interval(days => %(days)s) AS due_at,
       2 AS priority, %(key_prefix)s || c.id AS dedupe_key
FROM (SELECT c.*, %(subject_label)s AS subject_type_label FROM entitlements_entitlementcandidate c
      WHERE c.id = ANY(%(ids)s::bigint[]) AND c.community_id <> '') c"""


def _raise_review_items(rule: Rule, candidate_ids: list[int], *, run: EntitlementRun) -> None:
    """One worklist item per new candidate of a REVIEW rule, set-based (candidates with no
    community — a person in no household — cannot be routed and stay on the staff page)."""
    params = {"kind": rule.work_kind, "title": _("政策找人：%(rule)s，请核实") % {"rule": rule.label},
              "subject_type": SUBJECT_TYPE, "link_prefix": _subject_link_prefix(rule.subject),
              "days": rule.review_days, "key_prefix": f"entitlement.{rule.key}:", "ids": candidate_ids,
              "subject_label": str(Subject(rule.subject).label)}
    workitem_raise_many(select=(_REVIEW_ITEMS, params), kinds=[(rule.work_kind, SUBJECT_TYPE)],
                        context={"entitlements.entitlementrun": run.pk, "rule": rule.key})


def _close_review_items(rule: Rule, candidate_ids: list[int]) -> None:
    workitem_close(keys=[review_dedupe_key(rule.key, c) for c in candidate_ids],
                   outcome=_("复核前已不再符合条件，自动撤销。"), to_status=ItemStatus.CANCELLED)


# --- full runs -----------------------------------------------------------------------------------

def _rules(keys: Iterable[str] | None) -> list[Rule]:
    """The rules asked for (default: every registered one) that are in force (a version now)."""
    rules = [get_rule(k) for k in keys] if keys is not None else list(rule_registry().values())
    return [r for r in rules if r.version_now is not None]


def _chunk_size(rules: list[Rule], subject_type: str, requested: int) -> int:
    caps = [r.chunk_size for r in rules if r.subject == subject_type and r.chunk_size]
    return min([requested, *caps])


@transaction.atomic
def entitlement_full_run_start(*, rule_key: str | None = None, on: dt.date | None = None,
                               chunk_size: int = DEFAULT_CHUNK_SIZE, force: bool = False, actor=None,
                               enqueue_chunks: bool = True) -> tuple[EntitlementRun, bool]:
    """Record a full run of one rule (or every registered rule) and its id-range chunks per
    subject type, and fan the chunks out (one Celery task each; as many workers as exist share
    them). Under an advisory lock, a start while the same run is going returns it."""
    rules = _rules([rule_key] if rule_key else None)
    on = on or today()
    keys = sorted(r.key for r in rules)
    versions = {r.key: r.version_now for r in rules}
    sql.lock(_LOCK_RUN_START)
    if not force:
        running = EntitlementRun.objects.filter(kind=RunKind.FULL, status=RunStatus.RUNNING, evaluated_on=on,
                                                rule_keys=keys, rule_versions=versions).first()
        if running is not None:
            return running, False
    run = EntitlementRun.objects.create(kind=RunKind.FULL, rule_keys=keys, rule_versions=versions, evaluated_on=on,
                                        chunk_size=chunk_size, last_progress_at=timezone.now())
    chunks = []
    for subject_type in sorted({r.subject for r in rules}):
        size = _chunk_size(rules, subject_type, chunk_size)
        lo, hi = sql.id_bounds(subject_type)
        # Candidates of subjects removed since are in range too: the range covers them.
        with connection.cursor() as cur:
            cur.execute("SELECT min(subject_id), max(subject_id) FROM entitlements_entitlementcandidate "
                        "WHERE subject_type = %s AND rule_key = ANY(%s)", [subject_type, keys])
            clo, chi = cur.fetchone()
        lo = min(x for x in (lo, clo) if x is not None) if (lo is not None or clo is not None) else None
        hi = max(x for x in (hi, chi) if x is not None) if lo is not None else None
        while lo is not None and lo <= hi:
            chunks.append(EntitlementChunk(run=run, subject_type=subject_type, lo=lo, hi=lo + size - 1))
            lo += size
    EntitlementChunk.objects.bulk_create(chunks)
    EntitlementRun.objects.filter(pk=run.pk).update(chunks_total=len(chunks))
    run.chunks_total = len(chunks)
    if not chunks:
        _run_refresh_status(run.pk)
    audit_log(actor=actor, action="entitlements.run_started", obj=run,
              after={"kind": RunKind.FULL, "rules": versions, "on": on, "chunks": len(chunks)})
    if enqueue_chunks:
        ids = [c.pk for c in chunks]
        transaction.on_commit(lambda: _enqueue_chunks(ids))
    run.refresh_from_db()
    return run, True


def _enqueue_chunks(chunk_ids: list[int]) -> None:
    from .tasks import process_chunk

    for chunk_id in chunk_ids:
        enqueue(process_chunk, chunk_id)


def _run_refresh_status(run_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("""
            UPDATE entitlements_entitlementrun SET
              status = CASE WHEN chunks_done + chunks_failed < chunks_total THEN 'running'
                            WHEN chunks_failed > 0 THEN 'failed_chunks' ELSE 'done' END,
              finished_at = CASE WHEN chunks_done + chunks_failed < chunks_total THEN NULL
                                 ELSE coalesce(finished_at, now()) END
            WHERE id = %s""", [run_id])


def entitlement_chunk_claim(*, chunk_id: int, now: dt.datetime | None = None) -> int | None:
    """Claim a chunk: pending, failed, or running with a claim older than ``STALE_CLAIM`` (its
    worker died). Returns the claim (the attempt number), or None when the chunk is done or
    another worker holds a fresh claim."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = (EntitlementChunk.objects.filter(pk=chunk_id)
                   .filter(Q(status__in=[ChunkStatus.PENDING, ChunkStatus.FAILED])
                           | Q(status=ChunkStatus.RUNNING, claimed_at__lt=now - STALE_CLAIM))
                   .update(status=ChunkStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1))
        if not claimed:
            return None
        return EntitlementChunk.objects.values_list("attempts", flat=True).get(pk=chunk_id)


def entitlement_chunk_process(*, chunk_id: int) -> EntitlementChunk:
    """Evaluate one chunk for every rule of its run and subject type, exactly once whatever the
    delivery count."""
    sql.refresh_stale_statistics()  # outside the chunk's transaction (a first run fills the candidates)
    claim = entitlement_chunk_claim(chunk_id=chunk_id)
    if claim is not None:
        try:
            _chunk_evaluate(chunk_id, claim)
        except Exception:
            # The evaluation rolled back: give the claim up so the task's retry can take it at
            # once (a killed worker gives nothing up; its claim goes stale instead).
            _chunk_release(chunk_id, claim)
            raise
    return EntitlementChunk.objects.get(pk=chunk_id)


def _chunk_release(chunk_id: int, claim: int) -> None:
    EntitlementChunk.objects.filter(pk=chunk_id, status=ChunkStatus.RUNNING, attempts=claim).update(
        status=ChunkStatus.PENDING, claimed_at=None)


def _chunk_evaluate(chunk_id: int, claim: int) -> None:
    started = time.monotonic()
    with transaction.atomic():
        chunk = EntitlementChunk.objects.select_for_update().get(pk=chunk_id)
        if chunk.status != ChunkStatus.RUNNING or chunk.attempts != claim:
            return  # claimed again by another worker (ours was stale): theirs counts
        run = EntitlementRun.objects.get(pk=chunk.run_id)
        total = sql.ApplyCounts()
        for key in run.rule_keys:
            try:
                rule = get_rule(key)
            except LookupError:
                continue  # unregistered since the run started
            if rule.subject != chunk.subject_type:
                continue
            total.add(_apply(rule, on=run.evaluated_on, run=run, lo=chunk.lo, hi=chunk.hi, chunk_id=chunk.pk))
        was_failed = bool(chunk.error)
        EntitlementChunk.objects.filter(pk=chunk.pk).update(
            status=ChunkStatus.DONE, evaluated=total.evaluated, changed=total.changed_total,
            seconds=time.monotonic() - started, finished_at=timezone.now(), error="")
        EntitlementRun.objects.filter(pk=run.pk).update(
            chunks_done=F("chunks_done") + 1, chunks_failed=F("chunks_failed") - (1 if was_failed else 0),
            evaluated=F("evaluated") + total.evaluated, changed=F("changed") + total.changed_total,
            gained=F("gained") + total.gained_total, lost=F("lost") + total.lost_total,
            failed=F("failed") + total.failed, last_progress_at=timezone.now())
        _run_refresh_status(run.pk)


@transaction.atomic
def entitlement_chunk_fail(*, chunk_id: int, error: str) -> None:
    """A chunk that exhausted its retries: the run reports it; a sweep or resume can redo it."""
    chunk = EntitlementChunk.objects.select_for_update().get(pk=chunk_id)
    if chunk.status in (ChunkStatus.DONE, ChunkStatus.FAILED):
        return
    counted = bool(chunk.error)  # failed before and resumed: the run counts it once
    EntitlementChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.FAILED, error=error[:2000],
                                                        claimed_at=None, finished_at=timezone.now())
    EntitlementRun.objects.filter(pk=chunk.run_id).update(
        chunks_failed=F("chunks_failed") + (0 if counted else 1), error=error[:2000], last_progress_at=timezone.now())
    _run_refresh_status(chunk.run_id)
    audit_log(actor=None, action="entitlements.chunk_failed", obj=chunk, after={"error": error[:500]})


def entitlement_runs_sweep(*, now: dt.datetime | None = None, enqueue_chunks: bool = True) -> list[int]:
    """Queue again the chunks of running full runs that are pending (a lost message) or whose
    claim went stale (a killed worker). Safe any time: a chunk claimed afresh is skipped."""
    now = now or timezone.now()
    ids = list(EntitlementChunk.objects.filter(run__status=RunStatus.RUNNING, run__kind=RunKind.FULL)
               .filter(Q(status=ChunkStatus.PENDING, run__last_progress_at__lt=now - STALE_CLAIM)
                       | Q(status=ChunkStatus.RUNNING, claimed_at__lt=now - STALE_CLAIM))
               .values_list("pk", flat=True))
    if ids and enqueue_chunks:
        _enqueue_chunks(ids)
    return ids


def entitlement_run_resume(*, run_id: int, enqueue_chunks: bool = True, now: dt.datetime | None = None) -> list[int]:
    """Queue again the chunks of a run that are pending or failed, or held by a stale claim (an
    operator's resume after the cause of a failure is fixed). Safe any time: a chunk done, or
    claimed afresh by a live worker, is skipped when it arrives."""
    now = now or timezone.now()
    ids = list(EntitlementChunk.objects.filter(run_id=run_id)
               .filter(Q(status__in=[ChunkStatus.PENDING, ChunkStatus.FAILED])
                       | Q(status=ChunkStatus.RUNNING, claimed_at__lt=now - STALE_CLAIM))
               .order_by("subject_type", "lo").values_list("pk", flat=True))
    if ids and enqueue_chunks:
        _enqueue_chunks(ids)
    return ids


def rules_needing_full_run() -> list[Rule]:
    """Rules never run fully at their current version, or with a new row of one of their
    parameters since their last full run."""
    needed = []
    for rule in rule_registry().values():
        if rule.version_now is None:
            continue  # not in force
        last = _last_full_run(rule)
        if last is None or (rule.parameters and PolicyParameter.objects.filter(
                key__in=rule.parameters, created_at__gt=last.started_at).exists()):
            needed.append(rule)
    return needed


def _last_full_run(rule: Rule) -> EntitlementRun | None:
    # Rule keys hold dots, which a JSON path lookup would split: read the versions in Python.
    version = rule.version_now
    for run in (EntitlementRun.objects.filter(kind=RunKind.FULL, rule_keys__contains=[rule.key])
                .order_by("-started_at")[:20]):
        if int(run.rule_versions.get(rule.key, 0)) >= version:
            return run
    return None


# --- incremental runs ----------------------------------------------------------------------------

def entitlement_incremental_run(*, on: dt.date | None = None, batch: int = INCREMENTAL_BATCH,
                                max_batches: int = 1000) -> EntitlementRun | None:
    """Evaluate every registered rule for the dirty subjects, a batch per transaction: claim (the
    snapshot), evaluate each rule for the persons or households it concerns (household rules
    also for the households of dirty persons, person rules for the members of dirty households;
    a rule with ``triggers`` only for subjects dirty for one of them), apply gains and losses,
    and the batch's dirty rows are gone with the commit. Concurrent runs claim disjoint batches;
    a killed run's batch rolls back and stays dirty. Returns the run, or None when nothing was dirty."""
    on = on or today()
    rules = _rules(None)
    versions = {r.key: r.version_now for r in rules}
    run = None
    if DirtySubject.objects.exists():
        sql.refresh_stale_statistics()  # a large import since the last run: plan from real sizes
    for _i in range(max_batches):
        with transaction.atomic():
            taken = sql.claim_dirty(limit=batch, households=any(r.subject == Subject.HOUSEHOLD for r in rules),
                                    persons=any(r.subject == Subject.PERSON for r in rules))
            if not taken:
                break
            if run is None:
                run = EntitlementRun.objects.create(kind=RunKind.INCREMENTAL, rule_keys=[r.key for r in rules],
                                                    rule_versions=versions,
                                                    evaluated_on=on, chunk_size=batch,
                                                    last_progress_at=timezone.now())
            total = sql.ApplyCounts()
            for rule in rules:
                if sql.load_batch_target(subject_type=rule.subject, triggers=rule.triggers):
                    total.add(_apply(rule, on=on, run=run))
            EntitlementRun.objects.filter(pk=run.pk).update(
                chunks_total=F("chunks_total") + 1, chunks_done=F("chunks_done") + 1,
                evaluated=F("evaluated") + total.evaluated, changed=F("changed") + total.changed_total,
                gained=F("gained") + total.gained_total, lost=F("lost") + total.lost_total,
                failed=F("failed") + total.failed, last_progress_at=timezone.now())
    if run is not None:
        EntitlementRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now())
        run.refresh_from_db()
    return run


def entitlement_job() -> int:
    """Every few minutes (beat): resume stalled full runs, start a full run for each rule with a
    new version or new parameters, then evaluate the dirty subjects."""
    entitlement_runs_sweep()
    for rule in rules_needing_full_run():
        entitlement_full_run_start(rule_key=rule.key)
    run = entitlement_incremental_run()
    return run.pk if run else 0


# --- age lines -----------------------------------------------------------------------------------

@transaction.atomic
def age_lines_mark(*, on: dt.date | None = None) -> int:
    """Mark the persons who reach a registered age line on ``on`` — and on every day since the
    job last ran, if it missed some (at most a year back) — dirty with reason ``age_line``.
    A second run for the same day marks nothing. Returns how many were marked."""
    on = on or today()
    sql.lock(_LOCK_AGE_LINES)
    lines = registered_age_lines()
    last = AgeLineDay.objects.order_by("-day").values_list("day", flat=True).first()
    if last is not None and last >= on:
        return 0
    since = on - dt.timedelta(days=1)
    if last is not None:
        since = max(last, on - dt.timedelta(days=AGE_LINE_CATCH_UP_DAYS))
    marked = sql.mark_age_lines(since=since, until=on, lines=lines) if lines else 0
    AgeLineDay.objects.create(day=on, age_lines=list(lines), marked=marked)
    audit_log(actor=None, action="entitlements.age_lines_marked", object_type="entitlements.agelineday",
              object_id=on.isoformat(), after={"since": since, "on": on, "lines": list(lines), "marked": marked})
    return marked
