"""Thin Celery tasks for accounts: they call one service and are idempotent."""
from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from . import services

RETRYABLE = (OperationalError, InterfaceError, DatabaseError)


@shared_task(name="accounts.login_records_purge", acks_late=True, autoretry_for=RETRYABLE, retry_backoff=5,
             max_retries=3, time_limit=600, soft_time_limit=540)
def login_records_purge() -> dict:
    return services.login_records_purge()
