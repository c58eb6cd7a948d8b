"""Thin Celery tasks of elder care: ISO dates in, one idempotent service call. One block per area."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

RETRYABLE = (OperationalError, InterfaceError, DatabaseError)


def _day(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else timezone.localdate()


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
