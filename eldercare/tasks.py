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


# --- visits, devices and alarms (area D) -----------------------------------------------------------
ALARM_SMS_MAX_RETRIES = 6


@shared_task(name="eldercare.visit_plans_sync", acks_late=True, time_limit=1800, soft_time_limit=1700)
def visit_plans_sync() -> dict:
    """Daily: plans for new elders living alone / empty-nest, ended plans for those out of scope."""
    from .services.visits import visit_plans_sync as sync

    return sync()


@shared_task(name="eldercare.visits_missed_week", acks_late=True, time_limit=900, soft_time_limit=840)
def visits_missed_week() -> int:
    """Daily (it raises each plan and week once): items for last week's plans without a visit."""
    from .services.visits import visits_missed_week as missed

    return missed().created_count


@shared_task(name="eldercare.alarms_escalate", acks_late=True, time_limit=300, soft_time_limit=240)
def alarms_escalate() -> int:
    """Every minute: alarms past their response time go to the township, and the family SMS the
    broker could not take are queued again."""
    from civilaffairs.lib.tasks import enqueue

    from .services.alarms import alarm_sms_stalled, alarms_escalate_overdue

    for sms_id in alarm_sms_stalled():
        enqueue(send_alarm_sms, sms_id)
    return alarms_escalate_overdue()


@shared_task(bind=True, name="eldercare.send_alarm_sms", acks_late=True, time_limit=60, soft_time_limit=45,
             max_retries=ALARM_SMS_MAX_RETRIES)
def send_alarm_sms(self, sms_id: int) -> str:
    from civilaffairs.lib.sms import SmsSendError

    from .services.alarms import alarm_sms_give_up, alarm_sms_send

    try:
        return alarm_sms_send(sms_id=sms_id)
    except SmsSendError as exc:
        if self.request.retries >= self.max_retries:
            alarm_sms_give_up(sms_id=sms_id)
            return "failed"
        raise self.retry(exc=exc, countdown=min(1800, 30 * 2 ** self.request.retries)) from None
