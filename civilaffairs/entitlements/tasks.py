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
            services.entitlement_chunk_fail(chunk_id=chunk_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(name="entitlements.process_chunk", base=ChunkTask, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=RETRYABLE, retry_backoff=5, max_retries=3, time_limit=600, soft_time_limit=540)
def process_chunk(chunk_id: int) -> int:
    return services.entitlement_chunk_process(chunk_id=chunk_id).evaluated


@shared_task(name="entitlements.start_full_run", acks_late=True, autoretry_for=RETRYABLE, max_retries=3,
             time_limit=300)
def start_full_run(rule_key: str | None = None) -> int:
    run, _created = services.entitlement_full_run_start(rule_key=rule_key)
    return run.pk


@shared_task(name="entitlements.incremental_run", acks_late=True, autoretry_for=RETRYABLE, max_retries=3,
             time_limit=900, soft_time_limit=840)
def incremental_run() -> int:
    return services.entitlement_job()


@shared_task(name="entitlements.age_lines_mark", acks_late=True, autoretry_for=RETRYABLE, max_retries=3,
             time_limit=600)
def age_lines_mark() -> int:
    return services.age_lines_mark()
