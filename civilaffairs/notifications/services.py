"""Notify people: in-app always; SMS through the configured backend (console in
development). SMS goes out after the transaction commits, so a rolled-back change
never texts anyone."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from civilaffairs.lib.sms import send_sms

from .models import Notification


def notify_user(*, user, title: str, body: str = "", link: str = "", sms: bool = False) -> Notification:
    note = Notification.objects.create(user=user, title=title[:200], body=body, link=link)
    person = getattr(user, "person", None)
    if sms and person is not None and person.phone_encrypted:
        phone = person.reveal_phone()
        transaction.on_commit(lambda: send_sms(phone=phone, message=f"【民政】{title}"))
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


def notification_mark_read(*, user, pk: int) -> None:
    from django.utils import timezone

    Notification.objects.filter(user=user, pk=pk, read_at__isnull=True).update(read_at=timezone.now())
