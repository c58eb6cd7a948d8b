"""Notify people: in-app always, in the caller's transaction; SMS from a Celery task queued
after the commit (a rolled-back change never texts anyone, and no web request waits on the
SMS gateway). The task takes the notification's id, so neither the number nor the text
travels through the broker or its logs."""
from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civilaffairs.lib.sms import send_sms
from civilaffairs.lib.tasks import enqueue, enqueue_on_commit

from .models import Notification, SmsStatus

log = logging.getLogger(__name__)


def notify_user(*, user, title: str, body: str = "", link: str = "", sms: bool = False) -> Notification:
    person = getattr(user, "person", None)
    texted = sms and person is not None and bool(person.phone_encrypted)
    note = Notification.objects.create(user=user, title=title[:200], body=body, link=link,
                                       sms_status=SmsStatus.PENDING if texted else SmsStatus.NONE,
                                       sms_queued_at=timezone.now() if texted else None)
    if texted:
        from .tasks import send_notification_sms

        enqueue_on_commit(send_notification_sms, note.pk,
                          on_failure=lambda pk=note.pk: notification_sms_not_queued(notification_id=pk))
    return note


def notify_household(*, household, title: str, body: str = "", link: str = "", sms: bool = True) -> int:
    """Notify every resident account of the household's current members."""
    User = get_user_model()
    users = User.objects.filter(kind="resident", is_active=True,
                                person__memberships__household=household,
                                person__memberships__is_active=True).select_related("person")
    count = 0
    for user in users:
        notify_user(user=user, title=title, body=body, link=link, sms=sms)
        count += 1
    return count


def notification_sms_text(note: Notification) -> str:
    return f"【民政】{note.title}"


@transaction.atomic
def notification_sms_send(*, notification_id: int) -> str:
    """Send a pending notification's SMS once. The row stays locked while the gateway is called,
    so a redelivered task waits and then finds it sent; a gateway failure (``SmsSendError``)
    leaves it pending for the retry. Returns what happened: "sent", or "skipped"."""
    note = (Notification.objects.select_for_update(of=("self",)).select_related("user__person")
            .filter(pk=notification_id).first())
    if note is None or note.sms_status != SmsStatus.PENDING:
        return "skipped"
    person = getattr(note.user, "person", None)
    phone = person.reveal_phone() if person is not None else ""
    if not phone:  # the number was removed after the notification was written
        Notification.objects.filter(pk=note.pk).update(sms_status=SmsStatus.NONE)
        return "skipped"
    send_sms(phone=phone, message=notification_sms_text(note))
    Notification.objects.filter(pk=note.pk).update(sms_status=SmsStatus.SENT, sms_sent_at=timezone.now())
    return "sent"


def notification_sms_give_up(*, notification_id: int) -> None:
    """The gateway refused every retry: the in-app message stands, the SMS is marked failed."""
    updated = Notification.objects.filter(pk=notification_id, sms_status=SmsStatus.PENDING).update(
        sms_status=SmsStatus.FAILED)
    if updated:
        log.warning("SMS for notification %s failed after every retry", notification_id)


def notification_sms_not_queued(*, notification_id: int) -> None:
    """The broker could not take the task: the next sweep queues it."""
    Notification.objects.filter(pk=notification_id, sms_status=SmsStatus.PENDING).update(sms_queued_at=None)


def notification_sms_sweep(*, stuck_after: dt.timedelta, give_up_after: dt.timedelta, limit: int = 500) -> int:
    """Queue again the pending SMS that were never queued (the broker was down at the commit) or
    were queued longer than ``stuck_after`` ago (the message was lost), oldest first. A duplicate
    is harmless: the send locks the row and sends only while it is pending. Pending SMS older
    than ``give_up_after`` are marked failed instead (the in-app message stands). Returns how
    many were queued; stops at the first the broker refuses."""
    from .tasks import send_notification_sms

    now = timezone.now()
    pending = Notification.objects.filter(sms_status=SmsStatus.PENDING)
    expired = pending.filter(created_at__lt=now - give_up_after).update(sms_status=SmsStatus.FAILED)
    if expired:
        log.warning("%d SMS still pending after %s marked failed", expired, give_up_after)
    stuck = list(pending.filter(Q(sms_queued_at__isnull=True) | Q(sms_queued_at__lt=now - stuck_after))
                 .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    queued = []
    for pk in stuck:
        if not enqueue(send_notification_sms, pk):
            break
        queued.append(pk)
    Notification.objects.filter(pk__in=queued, sms_status=SmsStatus.PENDING).update(sms_queued_at=now)
    if queued:
        log.info("queued %d pending SMS again", len(queued))
    return len(queued)


def notification_mark_read(*, user, pk: int) -> None:
    Notification.objects.filter(user=user, pk=pk, read_at__isnull=True).update(read_at=timezone.now())
