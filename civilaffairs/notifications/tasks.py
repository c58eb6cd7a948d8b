import datetime as dt

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from civilaffairs.lib.sms import SmsSendError

from .services import notification_sms_give_up, notification_sms_send, notification_sms_sweep

SMS_MAX_RETRIES = 6  # waits of up to 30 s, 1, 2, 4, 8, 16 min (full jitter): half an hour of gateway trouble
SMS_TIME_LIMIT = 60
# A queued SMS is sent or marked failed within every wait and every attempt's time limit; one
# still pending after that (and a few minutes' slack for a busy queue) lost its message.
SMS_RETRY_WINDOW = dt.timedelta(seconds=sum(min(1800, 30 * 2**n) for n in range(SMS_MAX_RETRIES))
                                + (SMS_MAX_RETRIES + 1) * SMS_TIME_LIMIT) + dt.timedelta(minutes=10)
SMS_GIVE_UP_AFTER = dt.timedelta(days=3)  # older news is better not texted


def sms_retry_countdown(retries: int) -> int:
    return get_exponential_backoff_interval(factor=30, retries=retries, maximum=1800, full_jitter=True)


@shared_task(bind=True, name="notifications.send_sms", acks_late=True, time_limit=SMS_TIME_LIMIT, soft_time_limit=45,
             max_retries=SMS_MAX_RETRIES)
def send_notification_sms(self, notification_id: int) -> str:
    try:
        return notification_sms_send(notification_id=notification_id)
    except SmsSendError as exc:
        if self.request.retries >= self.max_retries:
            notification_sms_give_up(notification_id=notification_id)
            return "failed"
        raise self.retry(exc=exc, countdown=sms_retry_countdown(self.request.retries)) from None


@shared_task(name="notifications.sweep_pending_sms", acks_late=True, time_limit=300, soft_time_limit=240)
def sweep_pending_sms() -> int:
    """Every few minutes (beat): queue the SMS the broker could not take, or lost."""
    return notification_sms_sweep(stuck_after=SMS_RETRY_WINDOW, give_up_after=SMS_GIVE_UP_AFTER)
