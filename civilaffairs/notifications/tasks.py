"""Celery tasks of the outside copies: one send task per channel, one beat sweep for both.

Retries: a gateway error retries the task with exponential backoff and full jitter
(``get_exponential_backoff_interval``, the function behind Celery's ``retry_backoff``), at most
``SMS_MAX_RETRIES`` times; then the copy is marked failed with the reason. The retry is explicit
rather than ``autoretry_for`` because the last failure must write "failed" on the row."""
import datetime as dt

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from .channels import DeliveryError
from .services import CHANNELS, notification_deliver, notification_delivery_give_up, notification_sweep

SMS_MAX_RETRIES = 6  # waits of up to 30 s, 1, 2, 4, 8, 16 min (full jitter): half an hour of gateway trouble
SMS_TIME_LIMIT = 60
# A queued SMS is sent or marked failed within every wait and every attempt's time limit; one
# still pending after that (and a few minutes' slack for a busy queue) lost its message.
SMS_RETRY_WINDOW = dt.timedelta(seconds=sum(min(1800, 30 * 2**n) for n in range(SMS_MAX_RETRIES))
                                + (SMS_MAX_RETRIES + 1) * SMS_TIME_LIMIT) + dt.timedelta(minutes=10)
SMS_GIVE_UP_AFTER = dt.timedelta(days=3)  # older news is better not texted
# A claim is held for one attempt only (released before a retry waits). The hard time limit
# ends an attempt after SMS_TIME_LIMIT; a claim five times that old belongs to a dead worker.
CLAIM_LEASE = dt.timedelta(seconds=5 * SMS_TIME_LIMIT)


def sms_retry_countdown(retries: int) -> int:
    return get_exponential_backoff_interval(factor=30, retries=retries, maximum=1800, full_jitter=True)


def _deliver(task, channel: str, notification_id: int) -> str:
    try:
        return notification_deliver(channel=channel, notification_id=notification_id)
    except DeliveryError as exc:
        if task.request.retries >= task.max_retries:
            notification_delivery_give_up(channel=channel, notification_id=notification_id, reason=str(exc))
            return "failed"
        raise task.retry(exc=exc, countdown=sms_retry_countdown(task.request.retries)) from None


@shared_task(bind=True, name="notifications.send_sms", acks_late=True, time_limit=SMS_TIME_LIMIT, soft_time_limit=45,
             max_retries=SMS_MAX_RETRIES)
def send_notification_sms(self, notification_id: int) -> str:
    return _deliver(self, "sms", notification_id)


@shared_task(bind=True, name="notifications.send_email", acks_late=True, time_limit=SMS_TIME_LIMIT,
             soft_time_limit=45, max_retries=SMS_MAX_RETRIES)
def send_notification_email(self, notification_id: int) -> str:
    return _deliver(self, "email", notification_id)


TASKS = {"sms": send_notification_sms, "email": send_notification_email}


@shared_task(name="notifications.sweep_pending_sms", acks_late=True, time_limit=300, soft_time_limit=240)
def sweep_pending_sms() -> int:
    """Every few minutes (beat): queue the SMS and emails the broker could not take, or lost, and
    resend those whose worker died mid-send (claim older than the lease)."""
    return sum(notification_sweep(channel=channel, stuck_after=SMS_RETRY_WINDOW, give_up_after=SMS_GIVE_UP_AFTER,
                                  lease=CLAIM_LEASE) for channel in CHANNELS)
