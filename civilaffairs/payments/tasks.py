"""Monthly roll generation: one task per district, each generating every registered programme's
roll (idempotent: ON CONFLICT DO NOTHING, so a retried or duplicated run adds nothing)."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from civilaffairs.lib.tasks import enqueue_on_commit
from civilaffairs.registry.models import Region, RegionLevel

from . import services

RETRYABLE = (OperationalError, InterfaceError, DatabaseError)


def _day(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="payments.rolls_generate", acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True,
             max_retries=3, time_limit=120, soft_time_limit=100)
def payment_rolls_generate(month: str | None = None) -> int:
    """Monthly: one roll task per district, so a slow or failing district retries alone."""
    month = _day(month).replace(day=1).isoformat()
    codes = list(Region.objects.filter(level=RegionLevel.DISTRICT, is_active=True).order_by("code")
                 .values_list("code", flat=True))
    for code in codes:
        enqueue_on_commit(payment_roll_generate, code, month)
    return len(codes)


@shared_task(name="payments.roll_generate", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=RETRYABLE, retry_backoff=10, max_retries=5, time_limit=1800, soft_time_limit=1700)
def payment_roll_generate(district_code: str, month: str) -> int:
    results = services.payment_rolls_generate_district(district_code=district_code, month=_day(month))
    return sum(n for _roll, n in results)
