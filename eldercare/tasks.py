"""Elderly care's Celery tasks: thin, idempotent wrappers around one service each."""
from __future__ import annotations

from celery import shared_task

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
