"""Thin Celery tasks: they take ids, call one service, retry, and are idempotent."""
from __future__ import annotations

from celery import Task, shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from . import services

RETRYABLE = (OperationalError, InterfaceError, DatabaseError)


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted (or a non-retryable error): the run reports the chunk.
        chunk_id = args[0] if args else kwargs.get("chunk_id")
        if chunk_id is not None:
            services.scoring_chunk_fail(chunk_id=chunk_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(name="scoring.score_chunk", base=ChunkTask, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=RETRYABLE, retry_backoff=5, max_retries=3, time_limit=1800, soft_time_limit=1700)
def score_chunk(chunk_id: int) -> int:
    return services.scoring_chunk_process(chunk_id=chunk_id).households_scored


@shared_task(name="scoring.start_full_rescore", acks_late=True, autoretry_for=RETRYABLE, max_retries=3,
             time_limit=300)
def start_full_rescore() -> int:
    run, _created = services.scoring_run_start()
    return run.pk


@shared_task(name="scoring.incremental_rescore", acks_late=True, autoretry_for=RETRYABLE, max_retries=3,
             time_limit=900, soft_time_limit=840)
def incremental_rescore() -> int:
    """Every few minutes: resume stalled full runs, start a full run when the model or
    a parameter changed, otherwise re-score the dirty households."""
    services.scoring_runs_sweep()
    model = services.current_model()
    if services.full_rescore_needed(model=model):
        run, _created = services.scoring_run_start()
        return run.pk
    run = services.scoring_incremental_run()
    return run.pk if run else 0


@shared_task(name="scoring.dry_run", acks_late=True, time_limit=1800, soft_time_limit=1700)
def dry_run(model_id: int) -> int:
    services.scoring_model_dry_run(actor=None, model_id=model_id)
    return model_id
