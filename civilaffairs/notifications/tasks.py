from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from civilaffairs.lib.sms import SmsSendError

from .services import notification_sms_give_up, notification_sms_send

SMS_MAX_RETRIES = 6  # waits of up to 30 s, 1, 2, 4, 8, 16 min (full jitter): half an hour of gateway trouble


def sms_retry_countdown(retries: int) -> int:
    return get_exponential_backoff_interval(factor=30, retries=retries, maximum=1800, full_jitter=True)


@shared_task(bind=True, name="notifications.send_sms", acks_late=True, time_limit=60, soft_time_limit=45,
             max_retries=SMS_MAX_RETRIES)
def send_notification_sms(self, notification_id: int) -> str:
    try:
        return notification_sms_send(notification_id=notification_id)
    except SmsSendError as exc:
        if self.request.retries >= self.max_retries:
            notification_sms_give_up(notification_id=notification_id)
            return "failed"
        raise self.retry(exc=exc, countdown=sms_retry_countdown(self.request.retries)) from None
