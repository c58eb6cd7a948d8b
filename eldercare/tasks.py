"""Elderly care's Celery tasks: thin (an ISO date in, one idempotent service call). Each area adds its block."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

RETRYABLE = (OperationalError, InterfaceError, DatabaseError)


def _day(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else timezone.localdate()


# --- elders / assessment area (elders helper) -----------------------------------------------------

@shared_task(name="eldercare.reassessment_raise_due", acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True,
             max_retries=3, time_limit=900, soft_time_limit=840)
def reassessment_raise_due(on: str | None = None) -> int:
    """Daily: a worklist item per elder whose assessment runs out within a month (dedupe key: idempotent)."""
    from .services.assessment import reassessment_raise_due as raise_due

    return raise_due(on=_day(on))
