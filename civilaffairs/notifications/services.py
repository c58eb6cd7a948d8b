"""Notify people: in-app always, in the caller's transaction; the outside copies (SMS, email,
as the person chose) from Celery tasks queued after the commit (a rolled-back change never
texts anyone, and no web request waits on a gateway). A task takes the notification's id, so
neither the address nor the text travels through the broker or its logs.

Sending one copy (``notification_deliver``) runs in autocommit, never in a transaction:

1. claim — one conditional UPDATE: ``status pending → sending, claimed_at = now, attempts + 1``
   only while the row is still pending. Of two tasks for the same row (a redelivery, a sweep's
   copy) exactly one gets the row; the other answers "skipped" without calling the gateway.
2. call the gateway, with no transaction and no row lock held, passing the message's
   idempotency key (``Notification.delivery_key``, fixed when the row was written).
3. record — ``sent`` (or, on a gateway error, back to ``pending`` with the reason for the
   retry), again only if our claim is still the row's claim.

A worker that dies between 1 and 3 leaves ``sending`` with an old claim. The beat sweep puts a
claim older than the lease (longer than a task may run: its hard time limit kills it first)
back to pending and queues it once more. If the first call had reached the gateway, the resend
carries the same key and the SMS gateway drops it: no double SMS. (SMTP has no such drop: the
repeated email carries the same Message-ID, see ``channels``.)"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civilaffairs.audit.services import audit_log
from civilaffairs.lib.tasks import enqueue, enqueue_on_commit

from .channels import SENDERS, DeliveryError, sms_text
from .models import Notification, NotificationPreference, SmsStatus

log = logging.getLogger(__name__)

CHANNELS = ("sms", "email")


def _has_phone(user) -> bool:
    person = getattr(user, "person", None)
    return person is not None and bool(person.phone_encrypted)


def _preference(user) -> NotificationPreference | None:
    try:
        return user.notification_preference
    except ObjectDoesNotExist:
        return None


def outside_channels(user) -> tuple[bool, bool]:
    """(SMS, email) for this user's outside copies. SMS needs a phone on file and, when the user
    chose, their yes (default yes: today's behaviour); email needs their yes and an address.
    Someone with no phone gets no SMS row at all: nothing is queued for a worker to skip."""
    pref = _preference(user)
    texted = _has_phone(user) and (pref.sms if pref is not None else True)
    mailed = (settings.NOTIFICATIONS_EMAIL_ENABLED and pref is not None and pref.email
              and bool(pref.email_address))
    return texted, mailed


def notify_user(*, user, title: str, body: str = "", link: str = "", sms: bool = False) -> Notification:
    """Write the in-app message. ``sms``: the message is worth a copy outside the app; which
    copies (SMS, email, none) follows the user's preference (``outside_channels``)."""
    texted, mailed = outside_channels(user) if sms else (False, False)
    now = timezone.now()
    note = Notification.objects.create(user=user, title=title[:200], body=body, link=link,
                                       sms_status=SmsStatus.PENDING if texted else SmsStatus.NONE,
                                       sms_queued_at=now if texted else None,
                                       email_status=SmsStatus.PENDING if mailed else SmsStatus.NONE,
                                       email_queued_at=now if mailed else None)
    from .tasks import TASKS

    for channel, wanted in (("sms", texted), ("email", mailed)):
        if wanted:
            enqueue_on_commit(TASKS[channel], note.pk, on_failure=lambda pk=note.pk, ch=channel:
                              notification_not_queued(channel=ch, notification_id=pk))
    return note


def notify_household(*, household, title: str, body: str = "", link: str = "", sms: bool = True) -> int:
    """Notify every resident account of the household's current members."""
    User = get_user_model()
    users = (User.objects.filter(kind="resident", is_active=True,
                                 person__memberships__household=household,
                                 person__memberships__is_active=True)
             .select_related("person", "notification_preference"))
    count = 0
    for user in users:
        notify_user(user=user, title=title, body=body, link=link, sms=sms)
        count += 1
    return count


def notification_sms_text(note: Notification) -> str:
    return sms_text(note)


# --- sending one copy ------------------------------------------------------------------------------

def _fields(channel: str) -> tuple[str, str, str, str, str, str]:
    if channel not in CHANNELS:
        raise ValueError(channel)
    return tuple(f"{channel}_{name}" for name in ("status", "claimed_at", "attempts", "sent_at", "error",
                                                  "queued_at"))


def notification_claim(*, channel: str, notification_id: int, now: dt.datetime) -> bool:
    """One statement: ``UPDATE … SET status='sending', claimed_at=now, attempts=attempts+1
    WHERE id=… AND status='pending'``. True when this caller got the row."""
    status, claimed, attempts, *_ = _fields(channel)
    return Notification.objects.filter(pk=notification_id, **{status: SmsStatus.PENDING}).update(
        **{status: SmsStatus.SENDING, claimed: now, attempts: F(attempts) + 1}) == 1


def _address(channel: str, note: Notification) -> str:
    """Where the copy goes now: the resident may have removed the number or changed their choice
    since the notification was written ("" then: nothing is sent)."""
    pref = _preference(note.user)
    if channel == "sms":
        person = getattr(note.user, "person", None)
        if person is None or (pref is not None and not pref.sms):
            return ""
        return person.reveal_phone()
    return pref.email_address if pref is not None and pref.email else ""


def notification_deliver(*, channel: str, notification_id: int) -> str:
    """Send one pending copy once (see the module's docstring). Not atomic on purpose: the
    claim commits before the gateway is called, the result after. Returns "sent" or "skipped";
    raises ``DeliveryError`` after putting the row back to pending with the reason."""
    status, claimed, _attempts, sent_at, error, _queued = _fields(channel)
    now = timezone.now()
    if not notification_claim(channel=channel, notification_id=notification_id, now=now):
        return "skipped"
    note = Notification.objects.select_related("user__person").get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, **{status: SmsStatus.SENDING, claimed: now})
    address = _address(channel, note)
    if not address:  # the number or the address was removed after the notification was written
        mine.update(**{status: SmsStatus.NONE, claimed: None})
        return "skipped"
    try:
        SENDERS[channel](address=address, note=note, key=note.delivery_key(channel))
    except DeliveryError as exc:
        mine.update(**{status: SmsStatus.PENDING, claimed: None, error: str(exc)[:200]})
        raise
    mine.update(**{status: SmsStatus.SENT, sent_at: timezone.now(), error: ""})
    return "sent"


def notification_sms_send(*, notification_id: int) -> str:
    return notification_deliver(channel="sms", notification_id=notification_id)


def notification_delivery_give_up(*, channel: str, notification_id: int, reason: str = "") -> None:
    """The gateway refused every retry: the in-app message stands, the copy is marked failed
    with the reason (the error's type, no address or text)."""
    status, *_, error, _queued = _fields(channel)
    changes = {status: SmsStatus.FAILED}
    if reason:
        changes[error] = reason[:200]
    updated = Notification.objects.filter(pk=notification_id, **{status: SmsStatus.PENDING}).update(**changes)
    if updated:
        log.warning("%s for notification %s failed after every retry", channel, notification_id)


def notification_sms_give_up(*, notification_id: int) -> None:
    notification_delivery_give_up(channel="sms", notification_id=notification_id)


def notification_not_queued(*, channel: str, notification_id: int) -> None:
    """The broker could not take the task: the next sweep queues it."""
    status, *_, queued = _fields(channel)
    Notification.objects.filter(pk=notification_id, **{status: SmsStatus.PENDING}).update(**{queued: None})


def notification_sms_not_queued(*, notification_id: int) -> None:
    notification_not_queued(channel="sms", notification_id=notification_id)


# --- the sweep -------------------------------------------------------------------------------------

def _release_stale_claims(channel: str, *, cutoff: dt.datetime, limit: int) -> list[int]:
    """Claims older than the lease (the worker died mid-send) back to pending and unqueued, in
    one conditional UPDATE; returns their ids."""
    status, claimed, *_, queued = _fields(channel)
    table = Notification._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"""
            UPDATE {table} SET {status} = %s, {claimed} = NULL, {queued} = NULL
             WHERE id IN (SELECT id FROM {table} WHERE {status} = %s AND {claimed} < %s
                          ORDER BY {claimed} LIMIT %s)
               AND {status} = %s AND {claimed} < %s
            RETURNING id""", [SmsStatus.PENDING, SmsStatus.SENDING, cutoff, limit, SmsStatus.SENDING, cutoff])
        return [row[0] for row in cur.fetchall()]


def notification_sweep(*, channel: str, stuck_after: dt.timedelta, give_up_after: dt.timedelta,
                       lease: dt.timedelta, limit: int = 500) -> int:
    """Queue again the pending copies that were never queued (the broker was down at the
    commit) or were queued longer than ``stuck_after`` ago (the message was lost), and the
    copies whose claim is older than ``lease`` (the worker crashed mid-send), oldest first. A
    duplicate task is harmless: the claim lets one send. Pending copies older than
    ``give_up_after`` are marked failed instead (the in-app message stands). Returns how many
    were queued; stops at the first the broker refuses."""
    from .tasks import TASKS

    status, *_, error, queued_at = _fields(channel)
    now = timezone.now()
    released = _release_stale_claims(channel, cutoff=now - lease, limit=limit)
    if released:
        log.warning("%d %s claims older than %s put back to pending", len(released), channel, lease)
    pending = Notification.objects.filter(**{status: SmsStatus.PENDING})
    expired = pending.filter(created_at__lt=now - give_up_after).update(**{status: SmsStatus.FAILED})
    if expired:
        log.warning("%d %s still pending after %s marked failed", expired, channel, give_up_after)
    stuck = list(pending.filter(Q(**{f"{queued_at}__isnull": True}) | Q(**{f"{queued_at}__lt": now - stuck_after}))
                 .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    queued = []
    for pk in stuck:
        if not enqueue(TASKS[channel], pk):
            break
        queued.append(pk)
    Notification.objects.filter(pk__in=queued, **{status: SmsStatus.PENDING}).update(**{queued_at: now})
    if queued:
        log.info("queued %d pending %s again", len(queued), channel)
    return len(queued)


def notification_sms_sweep(*, stuck_after: dt.timedelta, give_up_after: dt.timedelta,
                           lease: dt.timedelta = dt.timedelta(minutes=5), limit: int = 500) -> int:
    return notification_sweep(channel="sms", stuck_after=stuck_after, give_up_after=give_up_after,
                              lease=lease, limit=limit)


# --- the inbox and the preference ------------------------------------------------------------------

def notification_mark_read(*, user, pk: int) -> None:
    Notification.objects.filter(user=user, pk=pk, read_at__isnull=True).update(read_at=timezone.now())


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, actor, user, sms: bool, email: bool, email_address: str = "") -> NotificationPreference:
    """Set how ``user`` gets the outside copies. In-app stays on whatever is chosen. SMS needs a
    phone on file, email an address; the change is audited (which channels, never the address)."""
    email_address = (email_address or "").strip()
    errors = {}
    if sms and not _has_phone(user):
        errors["sms"] = _("您没有登记手机号，不能选择短信通知；请到社区登记手机号后再选。")
    if email_address:
        try:
            validate_email(email_address)
        except ValidationError:
            errors["email_address"] = _("请填写正确的电子邮箱地址，例如 name@example.com。")
    elif email:
        errors["email_address"] = _("选择邮件通知时，请填写电子邮箱地址。")
    if email and not settings.NOTIFICATIONS_EMAIL_ENABLED:
        errors["email"] = _("本平台暂未开通邮件通知，请选择短信或站内消息。")
    if errors:
        raise ValidationError(errors)
    pref = NotificationPreference.objects.select_for_update().filter(user=user).first()
    before = ({"sms": pref.sms, "email": pref.email, "email_address_set": bool(pref.email_address)}
              if pref is not None else None)
    if pref is None:
        pref = NotificationPreference(user=user)
    pref.sms, pref.email, pref.email_address = sms, email, email_address
    pref.save()
    after = {"sms": sms, "email": email, "email_address_set": bool(email_address)}
    person = getattr(user, "person", None)
    audit_log(actor=actor, action="notifications.preference_changed", object_type="accounts.user",
              object_id=user.pk, before=before, after=after,
              region_code=_resident_region(person))
    return pref


def _resident_region(person) -> str:
    if person is None:
        return ""
    membership = person.memberships.filter(is_active=True).select_related("household").first()
    return membership.household.community_id if membership is not None else ""
