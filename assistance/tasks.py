"""Thin Celery tasks: ids and ISO dates in, one service call, retries and time limits.
Every service here is idempotent (unique keys, ON CONFLICT DO NOTHING), so a retried
or duplicated run changes nothing."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone


from . import services

RETRYABLE = (OperationalError, InterfaceError, DatabaseError)


def _day(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="assistance.review_round_start", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=RETRYABLE, retry_backoff=10, max_retries=5, time_limit=1800, soft_time_limit=1700)
def review_round_start(on: str | None = None) -> int:
    return services.review_round_start(on=_day(on))


@shared_task(name="assistance.phaseouts_expire", acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True,
             max_retries=3, time_limit=600, soft_time_limit=540)
def phaseouts_expire(on: str | None = None) -> int:
    return services.phaseouts_expire(on=_day(on))


@shared_task(name="assistance.benefits_recompute", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=RETRYABLE, retry_backoff=10, max_retries=5, time_limit=3600, soft_time_limit=3500)
def benefits_recompute(parameter_id: int) -> dict:
    """The yearly raise for one new parameter row: one job, idempotent (a second run changes nothing)."""
    return services.benefits_recompute_for_parameter(parameter_id=parameter_id)


def on_parameter_set(*, parameter_id: int) -> None:
    """The platform's parameter listener (called after the new row is committed): enqueue the job."""
    benefits_recompute.delay(parameter_id)
