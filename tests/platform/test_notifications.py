"""Notifications: the in-app message in the caller's transaction, the SMS from a task after the commit."""
import datetime as dt
import logging
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from civilaffairs.lib import tasks as lib_tasks

from civilaffairs.lib.sms import BaseSmsBackend, ConsoleSmsBackend
from civilaffairs.notifications import tasks
from civilaffairs.notifications.models import Notification, SmsStatus
from civilaffairs.notifications.services import notify_household, notify_user

PHONE = "13800138000"  # the home household head's number (tests/conftest.py)
TITLE = "您的救助申请 DB20260001：已批准"


class FailingBackend(BaseSmsBackend):
    calls = 0
    failures = 10**6  # fail this many times, then accept

    def send(self, *, phone, message):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise ConnectionError(f"gateway refused {phone}: {message}")
        ConsoleSmsBackend.outbox.append((phone, message))


@pytest.fixture
def outbox():
    ConsoleSmsBackend.outbox.clear()
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def broker_state():
    lib_tasks.broker.reset()
    yield
    lib_tasks.broker.reset()  # a test that took the broker down must not skip the next test's enqueue


@pytest.fixture
def failing(settings):
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    FailingBackend.calls, FailingBackend.failures = 0, 10**6
    return FailingBackend


def test_the_request_writes_the_message_and_queues_the_sms_after_the_commit(resident, outbox,
                                                                           django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notify_household(household=resident.person.memberships.get().household, title=TITLE)
        note = Notification.objects.get(user=resident)
        assert (note.title, note.sms_status) == (TITLE, SmsStatus.PENDING)
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(note.pk)  # the id only: no number or text through the broker
    assert outbox == []  # nothing was sent inside the request


def test_a_rolled_back_change_queues_no_sms(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_user(user=resident, title=TITLE, sms=True)
            raise RuntimeError
    assert callbacks == [] and not Notification.objects.exists()


def test_a_user_without_a_number_gets_the_message_but_no_sms(grid_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_user(user=grid_worker, title=TITLE, sms=True)
    assert callbacks == [] and Notification.objects.get().sms_status == SmsStatus.NONE


def test_the_task_sends_the_sms_once(resident, outbox):
    note = notify_user(user=resident, title=TITLE, sms=True)
    assert tasks.send_notification_sms(note.pk) == "sent"
    assert tasks.send_notification_sms(note.pk) == "skipped"
    assert outbox == [(PHONE, f"【民政】{TITLE}")]
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.SENT and note.sms_sent_at is not None


def test_a_gateway_failure_is_retried_with_backoff_and_then_sent(resident, outbox, failing):
    failing.failures = 2
    note = notify_user(user=resident, title=TITLE, sms=True)
    with mock.patch.object(tasks, "sms_retry_countdown", wraps=tasks.sms_retry_countdown) as countdown:
        tasks.send_notification_sms.apply(args=[note.pk])  # eager: retries run at once
    assert [c.args for c in countdown.call_args_list] == [(0,), (1,)]
    assert outbox == [(PHONE, f"【民政】{TITLE}")]
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.SENT


def test_the_backoff_grows_and_is_capped():
    with mock.patch("random.randrange", side_effect=lambda n: n - 1):
        waits = [tasks.sms_retry_countdown(n) for n in range(8)]
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800]


def test_a_gateway_that_keeps_failing_marks_the_sms_failed_and_keeps_the_message(resident, outbox, failing):
    note = notify_user(user=resident, title=TITLE, sms=True)
    tasks.send_notification_sms.apply(args=[note.pk])
    assert failing.calls == tasks.SMS_MAX_RETRIES + 1 and outbox == []
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.FAILED and note.sms_sent_at is None


def test_no_log_line_shows_the_number_or_the_text(resident, outbox, failing, caplog):
    failing.failures = 1
    note = notify_user(user=resident, title=TITLE, sms=True)
    with caplog.at_level(logging.DEBUG):
        tasks.send_notification_sms.apply(args=[note.pk])
    assert outbox  # sent on the retry
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert PHONE not in logged and "DB20260001" not in logged and "已批准" not in logged
    ConsoleSmsBackend().send(phone=PHONE, message=TITLE)
    assert PHONE not in caplog.records[-1].getMessage() and TITLE not in caplog.records[-1].getMessage()


# --- the broker cannot take the task: logged, and the sweep queues it later ----------------------------

def refused(*args):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_broker_that_cannot_take_the_sms_fails_nothing_and_leaves_it_for_the_sweep(
        resident, caplog, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.send_notification_sms, "delay", side_effect=refused):
        with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
            note = notify_user(user=resident, title=TITLE, sms=True)
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.PENDING and note.sms_queued_at is None
    assert any("could not queue notifications.send_sms" in r.getMessage() for r in caplog.records)


def pending(resident, *, queued_minutes_ago=None, created_minutes_ago=0):
    note = notify_user(user=resident, title=TITLE, sms=True)
    now = timezone.now()
    Notification.objects.filter(pk=note.pk).update(
        created_at=now - dt.timedelta(minutes=created_minutes_ago),
        sms_queued_at=None if queued_minutes_ago is None else now - dt.timedelta(minutes=queued_minutes_ago))
    return note


def test_the_sweep_queues_sms_never_queued_or_queued_longer_ago_than_every_retry_takes(resident):
    window = tasks.SMS_RETRY_WINDOW.total_seconds() / 60
    never = pending(resident, created_minutes_ago=1)
    lost = pending(resident, queued_minutes_ago=window + 1, created_minutes_ago=window + 1)
    retrying = pending(resident, queued_minutes_ago=window - 1, created_minutes_ago=window - 1)
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        assert tasks.sweep_pending_sms() == 2
        assert [c.args for c in delay.call_args_list] == [(lost.pk,), (never.pk,)]  # oldest first
        assert tasks.sweep_pending_sms() == 0  # queued now: left to their tasks
    assert Notification.objects.get(pk=retrying.pk).sms_queued_at < timezone.now() - dt.timedelta(minutes=1)
    assert Notification.objects.filter(sms_queued_at__gt=timezone.now() - dt.timedelta(minutes=1)).count() == 2


def test_an_sms_queued_both_by_its_commit_and_by_the_sweep_is_sent_once(resident, outbox):
    note = pending(resident)  # its first message is still somewhere in the broker
    with mock.patch.object(tasks.send_notification_sms, "delay", side_effect=tasks.send_notification_sms):
        assert tasks.sweep_pending_sms() == 1  # the worker runs the swept copy
    assert tasks.send_notification_sms(note.pk) == "skipped"  # then the first copy arrives
    assert outbox == [(PHONE, f"【民政】{TITLE}")]


def test_the_sweep_stops_at_a_refusing_broker_and_the_rows_wait_for_the_next_one(resident):
    first, second = pending(resident, created_minutes_ago=2), pending(resident, created_minutes_ago=1)
    with mock.patch.object(tasks.send_notification_sms, "delay", side_effect=refused) as delay:
        assert tasks.sweep_pending_sms() == 0
        assert delay.call_count == 1  # not one refused call per row
        assert tasks.sweep_pending_sms() == 0 and delay.call_count == 1  # the broker failed just now: not tried
    assert set(Notification.objects.values_list("sms_queued_at", flat=True)) == {None}
    lib_tasks.broker.reset()  # the back-off has passed
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        assert tasks.sweep_pending_sms() == 2
    assert [c.args for c in delay.call_args_list] == [(first.pk,), (second.pk,)]


def test_the_sweep_gives_up_on_sms_pending_for_days_and_keeps_the_message(resident):
    old = pending(resident, created_minutes_ago=tasks.SMS_GIVE_UP_AFTER.total_seconds() / 60 + 1)
    with mock.patch.object(tasks.send_notification_sms, "delay") as delay:
        assert tasks.sweep_pending_sms() == 0
    delay.assert_not_called()
    assert Notification.objects.get(pk=old.pk).sms_status == SmsStatus.FAILED
