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


def districts_without_roll(month: dt.date) -> list[str]:
    """Active districts with no roll of any programme for ``month``: those whose generation task
    the broker refused (or lost) at the monthly run, and those with nothing to pay."""
    from .models import PaymentRoll

    have = PaymentRoll.objects.filter(month=month).values("district_id")
    return list(Region.objects.filter(level=RegionLevel.DISTRICT, is_active=True).exclude(code__in=have)
                .order_by("code").values_list("code", flat=True))


@shared_task(name="payments.rolls_catch_up", acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True,
             max_retries=3, time_limit=120, soft_time_limit=100)
def payment_rolls_catch_up(month: str | None = None) -> int:
    """The sweep behind the monthly run (beat, every half hour on the first days of the month):
    queue the generation again for each district that has no roll yet. Generation is idempotent
    and makes no empty roll, so a district with nothing to pay costs one query per sweep."""
    month_day = _day(month).replace(day=1)
    codes = districts_without_roll(month_day)
    for code in codes:
        enqueue_on_commit(payment_roll_generate, code, month_day.isoformat())
    return len(codes)


@shared_task(name="payments.roll_generate", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=RETRYABLE, retry_backoff=10, max_retries=5, time_limit=1800, soft_time_limit=1700)
def payment_roll_generate(district_code: str, month: str) -> int:
    results = services.payment_rolls_generate_district(district_code=district_code, month=_day(month))
    return sum(n for _roll, n in results)
