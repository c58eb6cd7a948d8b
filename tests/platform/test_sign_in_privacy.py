"""Sign-in failures: counted per account however the name is typed, stored without the typed
ID or mobile number, read from the right client address behind a proxy, and cleaned up."""
from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone

from civilaffairs.accounts.tasks import login_records_purge
from civilaffairs.audit.models import AuditEvent
from civilaffairs.celery import app as celery_app
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PHONE = "13800138000"


def sign_in(client, username, password=PASSWORD, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def _axes_text() -> str:
    rows = [*AccessAttempt.objects.values_list("username", "get_data", "post_data"),
            *AccessFailureLog.objects.values_list("username"), *AccessLog.objects.values_list("username")]
    return repr(rows)


def test_a_failed_sign_in_with_an_id_number_stores_the_account_not_the_number(client, resident, settings):
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    id_number = resident.person.reveal_id_number()
    sign_in(client, id_number, "wrong-password")
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.after == {"account": f"user:{resident.pk}", "typed_as": "id_number"}
    assert event.object_id == str(resident.pk)
    assert id_number not in repr(event.after) and id_number[6:14] not in _axes_text()
    assert AccessAttempt.objects.get().username == f"user:{resident.pk}"


def test_an_unknown_phone_number_is_stored_as_a_keyed_digest(client, resident, caplog):
    sign_in(client, "13900001111", "wrong-password")
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.after["account"].startswith("unknown:") and event.after["typed_as"] == "phone"
    assert "13900001111" not in repr(event.after)
    assert "13900001111" not in _axes_text()
    assert "13900001111" not in caplog.text
    # The same unknown number is the same counter (and the key is not a plain hash of it).
    sign_in(client, "13900001111", "wrong-password")
    assert AccessAttempt.objects.get().failures_since_start == 2


def test_five_failures_typed_as_username_phone_and_id_lock_the_account(client, resident):
    id_number = resident.person.reveal_id_number()
    for typed in ["resident", PHONE, id_number, PHONE]:
        assert sign_in(client, typed, "wrong-password").status_code == 200
    assert sign_in(client, id_number, "wrong-password").status_code == 429
    # Locked whichever way the right password is typed.
    for typed in ["resident", PHONE, id_number]:
        assert sign_in(client, typed).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_resets_the_counter_of_every_spelling(client, resident):
    for typed in [PHONE, "resident", PHONE, "resident"]:
        sign_in(client, typed, "wrong-password")
    assert sign_in(client, resident.person.reveal_id_number()).status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AccessLog.objects.get().username == "resident"


def test_behind_a_configured_proxy_two_clients_do_not_share_a_lockout(client, grid_worker, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for _ in range(5):
        sign_in(client, "grid", "wrong-password", **attacker)
    assert sign_in(client, "grid", **attacker).status_code == 429
    # The real worker, through the same proxy (same REMOTE_ADDR), is not locked out.
    response = sign_in(client, "grid", HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert response.status_code == 302
    failed = AuditEvent.objects.filter(action="accounts.login_failed").values_list("ip_address", flat=True)
    assert set(failed) == {"198.51.100.7"}


def test_only_the_entry_the_trusted_proxy_appended_counts(client, grid_worker, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker prepends made-up addresses; the proxy appends the real one last.
    for n in range(5):
        sign_in(client, "grid", "wrong-password", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7")
    assert sign_in(client, "grid", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7").status_code == 429


def test_without_a_configured_proxy_a_forwarded_for_header_is_ignored(client, grid_worker, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        sign_in(client, "grid", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    # A new made-up address does not escape the lockout.
    assert sign_in(client, "grid", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
    failed = AuditEvent.objects.filter(action="accounts.login_failed").values_list("ip_address", flat=True)
    assert set(failed) == {"127.0.0.1"}


def test_the_purge_deletes_old_sign_in_records_and_rows_keyed_by_a_typed_number(client, resident, settings):
    settings.LOGIN_RECORD_RETENTION_DAYS = 30
    now = timezone.now()
    legacy = AccessAttempt.objects.create(username=resident.person.reveal_id_number(), ip_address="127.0.0.1",
                                          user_agent="", get_data="", post_data="", http_accept="", path_info="/",
                                          failures_since_start=1)
    fresh = AccessAttempt.objects.create(username=f"user:{resident.pk}", ip_address="127.0.0.1", user_agent="x",
                                         get_data="", post_data="", http_accept="", path_info="/",
                                         failures_since_start=1)
    stale = AccessAttempt.objects.create(username=f"user:{resident.pk}", ip_address="127.0.0.2", user_agent="x",
                                         get_data="", post_data="", http_accept="", path_info="/",
                                         failures_since_start=1)
    AccessAttempt.objects.filter(pk=stale.pk).update(attempt_time=now - dt.timedelta(hours=1))
    legacy_failure = AccessFailureLog.objects.create(username=PHONE, ip_address="127.0.0.1", user_agent="",
                                                     http_accept="", path_info="/")
    old_log = AccessLog.objects.create(username="resident", ip_address="127.0.0.1", user_agent="", http_accept="",
                                       path_info="/")
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=now - dt.timedelta(days=31))
    recent_log = AccessLog.objects.create(username="resident", ip_address="127.0.0.1", user_agent="",
                                          http_accept="", path_info="/")

    counts = login_records_purge()

    assert counts == {"attempts": 2, "failure_logs": 1, "access_logs": 1}
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not AccessFailureLog.objects.filter(pk=legacy_failure.pk).exists()
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent_log.pk]
    assert login_records_purge() == {"attempts": 0, "failure_logs": 0, "access_logs": 0}  # idempotent


def test_the_purge_runs_daily_on_the_beat_schedule():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "accounts.login_records_purge" in scheduled
