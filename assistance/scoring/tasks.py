"""Thin Celery tasks: they take ids, call one service, retry, and are idempotent. (Re-scoring runs
are the proactive engine's tasks: ``entitlements.process_chunk`` and the rest.)"""
from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="scoring.dry_run", acks_late=True, time_limit=1800, soft_time_limit=1700)
def dry_run(model_id: int) -> int:
    services.scoring_model_dry_run(actor=None, model_id=model_id)
    return model_id
