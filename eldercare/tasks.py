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
# --- allowances and service credit (area C) ---------------------------------------------------------

@shared_task(name="eldercare.credit_monthly", acks_late=True, reject_on_worker_lost=True, autoretry_for=RETRYABLE,
             retry_backoff=10, max_retries=5, time_limit=3600, soft_time_limit=3500)
def credit_monthly(on: str | None = None) -> dict:
    """On the 1st: expire the credit past its validity, then issue the month's subsidy (both idempotent)."""
    from .services.credit import credit_expire_month, credit_issue_month

    month = _day(on).replace(day=1)
    expired, expired_total = credit_expire_month(month=month)
    issued, issued_total = credit_issue_month(month=month)
    return {"expired": expired, "expired_total": str(expired_total), "issued": issued,
            "issued_total": str(issued_total)}
