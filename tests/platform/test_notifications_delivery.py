"""Sending the outside copies: the claim, the gateway outside any transaction, retries, the sweep
of stale claims, email through Django's backend, and no SMS row for someone without a phone."""
from __future__ import annotations

import datetime as dt
import smtplib
import threading
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civilaffairs.envconf import email_from_env
from civilaffairs.lib import tasks as lib_tasks
from civilaffairs.lib.sms import BaseSmsBackend, ConsoleSmsBackend, send_sms
from civilaffairs.notifications import tasks
from civilaffairs.notifications.models import Notification, NotificationPreference, SmsStatus
from civilaffairs.notifications.services import notification_claim, notify_household, notify_user

PHONE = "13800138000"
TITLE = "您的救助申请 DB20260001：已批准"
ADDRESS = "wang.xiaoming@example.com"


@pytest.fixture(autouse=True)
def broker_state():
    lib_tasks.broker.reset()
    yield
    lib_tasks.broker.reset()


@pytest.fixture
def outbox():
    ConsoleSmsBackend.outbox.clear()
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox.clear()


def choose(user, *, sms=False, email=False, address=""):
    NotificationPreference.objects.create(user=user, sms=sms, email=email, email_address=address)


# --- the claim ---------------------------------------------------------------------------------------

def test_the_claim_is_one_conditional_update(resident):
    note = notify_user(user=resident, title=TITLE, sms=True)
    with CaptureQueriesContext(connection) as ctx:
        assert notification_claim(channel="sms", notification_id=note.pk, now=timezone.now()) is True
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert sql.startswith('UPDATE "notifications_notification" SET "sms_status" = \'sending\'')
    assert f'WHERE ("notifications_notification"."id" = {note.pk} AND ' \
           '"notifications_notification"."sms_status" = \'pending\')' in sql
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.SENDING and note.sms_claimed_at is not None and note.sms_attempts == 1
    assert notification_claim(channel="sms", notification_id=note.pk, now=timezone.now()) is False  # taken


def test_the_send_claims_first_then_calls_the_gateway_then_records(resident, outbox, settings):
    seen = []

    class Recording(BaseSmsBackend):
        def send(self, *, phone, message, idempotency_key=""):
            seen.append([q["sql"].split(" ")[0] for q in ctx.captured_queries])
            ConsoleSmsBackend.outbox.append((phone, message))

    settings.SMS_BACKEND = f"{__name__}.Recording"
    note = notify_user(user=resident, title=TITLE, sms=True)
    with mock.patch(f"{__name__}.Recording", Recording, create=True), \
            CaptureQueriesContext(connection) as ctx:
        assert tasks.send_notification_sms(note.pk) == "sent"
    assert seen[0][0] == "UPDATE"  # the claim came before the gateway
    assert ctx.captured_queries[-1]["sql"].startswith("UPDATE")  # "sent" after it
    assert outbox == [(PHONE, f"【民政】{TITLE}")]


class BlockingBackend(BaseSmsBackend):
    """Holds the first send inside the gateway until the test lets it go."""

    calls: list = []
    entered = threading.Event()
    release = threading.Event()

    def send(self, *, phone, message, idempotency_key=""):
        type(self).calls.append((idempotency_key, connection.in_atomic_block))
        type(self).entered.set()
        assert type(self).release.wait(10)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_make_one_gateway_call_and_hold_no_lock_while_it_runs(resident, settings):
    settings.SMS_BACKEND = f"{__name__}.BlockingBackend"
    BlockingBackend.calls, _ = [], BlockingBackend.entered.clear()
    BlockingBackend.release.clear()
    note = notify_user(user=resident, title=TITLE, sms=True)
    results = {}

    def worker():
        try:
            results["first"] = tasks.send_notification_sms(note.pk)
        finally:
            connection.close()

    first = threading.Thread(target=worker)
    first.start()
    try:
        assert BlockingBackend.entered.wait(10)
        # The claim is committed while the gateway runs: another connection sees it at once, and
        # a second delivery of the task returns without waiting on a lock and without sending.
        assert Notification.objects.get(pk=note.pk).sms_status == SmsStatus.SENDING
        assert tasks.send_notification_sms(note.pk) == "skipped"
    finally:
        BlockingBackend.release.set()
        first.join(10)
    assert results == {"first": "sent"}
    assert BlockingBackend.calls == [(note.delivery_key("sms"), False)]  # one call, in no transaction
    assert Notification.objects.get(pk=note.pk).sms_status == SmsStatus.SENT


# --- retries -----------------------------------------------------------------------------------------

class RefusingBackend(BaseSmsBackend):
    calls = 0

    def send(self, *, phone, message, idempotency_key=""):
        type(self).calls += 1
        raise ConnectionError(f"gateway refused {phone}: {message}")


def test_a_gateway_failure_backs_off_exponentially_then_fails_with_the_reason(resident, settings, caplog):
    settings.SMS_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.calls = 0
    note = notify_user(user=resident, title=TITLE, sms=True)
    real, waits = tasks.sms_retry_countdown, []

    def countdown(retries):
        waits.append((retries, real(retries)))
        return waits[-1][1]

    with mock.patch("random.randrange", side_effect=lambda n: n - 1), \
            mock.patch.object(tasks, "sms_retry_countdown", side_effect=countdown):
        tasks.send_notification_sms.apply(args=[note.pk])
    assert waits == [(0, 30), (1, 60), (2, 120), (3, 240), (4, 480), (5, 960)]  # doubling, full jitter's top
    assert RefusingBackend.calls == tasks.SMS_MAX_RETRIES + 1  # bounded: then it stops
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.FAILED and note.sms_sent_at is None and note.sms_claimed_at is None
    assert note.sms_attempts == tasks.SMS_MAX_RETRIES + 1
    assert note.sms_error == "SmsSendError: RefusingBackend: ConnectionError"  # the reason, not the number
    assert PHONE not in "\n".join(r.getMessage() for r in caplog.records)


def test_between_attempts_the_row_is_pending_again_with_the_reason(resident, settings):
    settings.SMS_BACKEND = f"{__name__}.RefusingBackend"
    note = notify_user(user=resident, title=TITLE, sms=True)
    with mock.patch.object(tasks.send_notification_sms, "retry", side_effect=RuntimeError("retry")) as retry:
        with pytest.raises(RuntimeError):
            tasks.send_notification_sms(note.pk)
    assert retry.call_args.kwargs["countdown"] <= 30
    note.refresh_from_db()
    assert (note.sms_status, note.sms_claimed_at, note.sms_attempts) == (SmsStatus.PENDING, None, 1)
    assert note.sms_error.startswith("SmsSendError")


# --- the sweep of stale claims -----------------------------------------------------------------------

def test_the_sweep_resends_a_stale_claim_once_and_the_gateway_drops_the_repeat(resident, outbox):
    note = notify_user(user=resident, title=TITLE, sms=True)
    # A worker claimed the row, the gateway accepted the message, and the worker died before it
    # recorded "sent": the row is left "sending" with a claim older than the lease.
    dead = timezone.now() - tasks.CLAIM_LEASE - dt.timedelta(seconds=1)
    assert notification_claim(channel="sms", notification_id=note.pk, now=dead)
    send_sms(phone=PHONE, message=f"【民政】{TITLE}", idempotency_key=note.delivery_key("sms"))
    running = notify_user(user=resident, title="另一条", sms=True)  # a live worker's claim, within the lease
    assert notification_claim(channel="sms", notification_id=running.pk,
                              now=timezone.now() - tasks.CLAIM_LEASE + dt.timedelta(seconds=5))
    Notification.objects.filter(pk=running.pk).update(sms_queued_at=timezone.now())
    Notification.objects.filter(pk=note.pk).update(sms_queued_at=timezone.now() - dt.timedelta(minutes=6))

    assert tasks.send_notification_sms(note.pk) == "skipped"  # the dead worker's redelivered task: claimed
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        assert tasks.sweep_pending_sms() == 1
        assert tasks.sweep_pending_sms() == 0  # queued now: once
    assert [c.args for c in delay.call_args_list] == [(note.pk,)]
    note.refresh_from_db()
    assert (note.sms_status, note.sms_claimed_at) == (SmsStatus.PENDING, None)
    assert Notification.objects.get(pk=running.pk).sms_status == SmsStatus.SENDING  # not taken from it

    assert tasks.send_notification_sms(note.pk) == "sent"  # the resend, with the same key
    assert outbox == [(PHONE, f"【民政】{TITLE}")]  # the phone got it once
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.SENT and note.sms_attempts == 2


def test_a_stale_claim_at_the_lease_is_left_alone(resident):
    note = notify_user(user=resident, title=TITLE, sms=True)
    now = timezone.now()
    assert notification_claim(channel="sms", notification_id=note.pk, now=now - tasks.CLAIM_LEASE + dt.timedelta(seconds=2))
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        assert tasks.sweep_pending_sms() == 0
    delay.assert_not_called()
    assert Notification.objects.get(pk=note.pk).sms_status == SmsStatus.SENDING


def test_the_lease_outlasts_every_attempt():
    assert tasks.CLAIM_LEASE > dt.timedelta(seconds=tasks.SMS_TIME_LIMIT)
    assert tasks.send_notification_sms.time_limit == tasks.SMS_TIME_LIMIT


# --- email -------------------------------------------------------------------------------------------

def test_email_goes_out_through_djangos_backend_when_chosen(resident, outbox, django_capture_on_commit_callbacks):
    choose(resident, email=True, address=ADDRESS)
    with mock.patch.object(tasks.send_notification_email, "delay") as email_delay, \
            mock.patch.object(tasks.send_notification_sms, "delay") as sms_delay, \
            django_capture_on_commit_callbacks(execute=True):
        notify_household(household=resident.person.memberships.get().household, title=TITLE)
    note = Notification.objects.get(user=resident)
    email_delay.assert_called_once_with(note.pk)
    sms_delay.assert_not_called()  # SMS not chosen
    assert (note.sms_status, note.email_status) == (SmsStatus.NONE, SmsStatus.PENDING)
    assert tasks.send_notification_email(note.pk) == "sent"
    assert tasks.send_notification_email(note.pk) == "skipped"
    assert len(mail.outbox) == 1 and outbox == []
    message = mail.outbox[0]
    assert message.to == [ADDRESS] and message.subject == f"【民政】{TITLE}"
    assert note.delivery_key("email") in message.extra_headers["Message-ID"]
    note.refresh_from_db()
    assert note.email_status == SmsStatus.SENT and note.email_sent_at is not None


def test_both_channels_when_both_are_chosen(resident, outbox):
    choose(resident, sms=True, email=True, address=ADDRESS)
    note = notify_user(user=resident, title=TITLE, sms=True)
    assert tasks.send_notification_sms(note.pk) == "sent" and tasks.send_notification_email(note.pk) == "sent"
    assert outbox == [(PHONE, f"【民政】{TITLE}")] and [m.to for m in mail.outbox] == [[ADDRESS]]


def test_in_app_only_sends_nothing_outside(resident, django_capture_on_commit_callbacks):
    choose(resident)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify_user(user=resident, title=TITLE, sms=True)
    assert callbacks == [] and (note.sms_status, note.email_status) == (SmsStatus.NONE, SmsStatus.NONE)


class DownSmtp(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected(f"lost while sending to {messages[0].to[0]}")


def test_an_smtp_failure_is_retried_then_failed_with_the_reason_and_no_address(resident, settings, caplog):
    choose(resident, email=True, address=ADDRESS)
    note = notify_user(user=resident, title=TITLE, sms=True)
    settings.EMAIL_BACKEND = f"{__name__}.DownSmtp"
    tasks.send_notification_email.apply(args=[note.pk])
    note.refresh_from_db()
    assert note.email_status == SmsStatus.FAILED and note.email_attempts == tasks.SMS_MAX_RETRIES + 1
    assert note.email_error == "EmailSendError: SMTPServerDisconnected"
    assert ADDRESS not in "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def test_the_sweep_queues_a_pending_email_that_was_never_queued(resident):
    choose(resident, email=True, address=ADDRESS)
    note = notify_user(user=resident, title=TITLE, sms=True)
    Notification.objects.filter(pk=note.pk).update(email_queued_at=None)
    with mock.patch.object(tasks.send_notification_email, "delay") as delay:
        assert tasks.sweep_pending_sms() == 1
    delay.assert_called_once_with(note.pk)


# --- nobody texts a person without a phone -----------------------------------------------------------

def test_no_sms_is_queued_for_people_without_a_phone(other_resident, city, django_capture_on_commit_callbacks):
    from tests import factories as f

    household = other_resident.person.memberships.get().household
    assert not other_resident.person.phone_encrypted
    more = [f.resident(person_obj=f.person(name=f"无手机{i}"), username=f"nophone{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_household(household=household, title=TITLE)
        for user in more:
            notify_user(user=user, title=TITLE, sms=True)
    assert callbacks == []  # no task for a worker to drain and skip
    assert not Notification.objects.exclude(sms_status=SmsStatus.NONE).exists()
    assert Notification.objects.count() == 4  # the in-app messages are all there
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        assert tasks.sweep_pending_sms() == 0
    delay.assert_not_called()


def test_a_resident_who_declined_sms_gets_none(resident, django_capture_on_commit_callbacks):
    choose(resident, sms=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify_user(user=resident, title=TITLE, sms=True)
    assert callbacks == [] and note.sms_status == SmsStatus.NONE


# --- email settings from the environment -------------------------------------------------------------

def test_email_settings_come_from_the_environment(monkeypatch, tmp_path):
    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
                 "NOTIFICATIONS_EMAIL_ENABLED", "DEFAULT_FROM_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    dev = email_from_env(production=False, var_dir=tmp_path)
    assert dev["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert dev["NOTIFICATIONS_EMAIL_ENABLED"] is True and dev["EMAIL_FILE_PATH"] == str(tmp_path / "mail")
    sms_only = email_from_env(production=True, var_dir=tmp_path)
    assert sms_only["EMAIL_BACKEND"].endswith("smtp.EmailBackend") and sms_only["NOTIFICATIONS_EMAIL_ENABLED"] is False
    monkeypatch.setenv("NOTIFICATIONS_EMAIL_ENABLED", "true")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_HOST"):
        email_from_env(production=True, var_dir=tmp_path)
    monkeypatch.setenv("EMAIL_HOST", "smtp.example.gov.cn")
    monkeypatch.setenv("EMAIL_USE_TLS", "1")
    smtp = email_from_env(production=True, var_dir=tmp_path)
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["NOTIFICATIONS_EMAIL_ENABLED"]) == (
        "smtp.example.gov.cn", 587, True)
    monkeypatch.setenv("EMAIL_USE_SSL", "1")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_TLS and EMAIL_USE_SSL"):
        email_from_env(production=True, var_dir=tmp_path)


def test_tests_use_the_locmem_outbox(settings):
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_a_choice_changed_after_the_message_was_written_is_respected_at_send_time(resident, outbox):
    choose(resident, sms=True, email=True, address=ADDRESS)
    note = notify_user(user=resident, title=TITLE, sms=True)
    NotificationPreference.objects.filter(user=resident).update(sms=False, email=False, email_address_encrypted=None, email_address_masked="")
    assert tasks.send_notification_sms(note.pk) == "skipped"
    assert tasks.send_notification_email(note.pk) == "skipped"
    assert outbox == [] and mail.outbox == []
    note.refresh_from_db()
    assert (note.sms_status, note.email_status) == (SmsStatus.NONE, SmsStatus.NONE)
