"""With Redis unreachable (REDIS_URL on a closed local port) the platform keeps working:
sessions come from PostgreSQL, throttling counts nothing, a task that cannot be queued is
logged and swept later. Never a 500, never a write reported as failed."""
from __future__ import annotations

import base64
import json
import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from assistance.models import Application, ApplicationStatus
from civilaffairs.celery import app as celery_app
from civilaffairs.lib import tasks as lib_tasks
from civilaffairs.lib.sms import ConsoleSmsBackend
from civilaffairs.notifications import tasks as notification_tasks
from civilaffairs.notifications.models import Notification, SmsStatus
from tests.assistance.conftest import draft, poor_household  # noqa: F401  (fixtures)
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
API = "/api/v1/assistance/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalRedis:
    """A Redis URL on a free local port; nothing listens there until ``start()``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


def use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def local_redis(settings):
    """Cache, sessions and the Celery broker all on ``LocalRedis`` (down until started)."""
    server = LocalRedis()
    # The cache production runs with (REDIS_URL set), on the dead port.
    production = (settings.CACHES["default"] if settings.REDIS_URL
                  else {"BACKEND": "civilaffairs.lib.cache.ResilientRedisCache"})
    settings.CACHES = {"default": {**production, "LOCATION": server.url}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    previous_broker = celery_app.conf.broker_url
    use_broker(server.url)
    lib_tasks.broker.reset()
    yield server
    server.stop()
    use_broker(previous_broker)
    lib_tasks.broker.reset()


@pytest.fixture
def outbox():
    ConsoleSmsBackend.outbox.clear()
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox.clear()


def sign_in(client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def assert_ok(client, path: str, status: int = 200) -> None:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)


def assert_redis_is_down(server: LocalRedis) -> None:
    with pytest.raises(redis.ConnectionError):
        server.client().ping()


def submitted_once(application: Application) -> None:
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.events.filter(to_status=ApplicationStatus.SUBMITTED).count() == 1


# --- pages and sign-in ----------------------------------------------------------------------------

def test_staff_sign_in_and_their_pages_answer_as_usual_with_redis_down(
        client, local_redis, grid_worker, township_officer, draft, caplog):  # noqa: F811
    assert_redis_is_down(local_redis)
    with caplog.at_level(logging.WARNING):
        for user in ("grid", "township"):
            client.logout()
            sign_in(client, user)
            assert client.get("/")["Location"] == reverse("portal:caseworker_home")
            for path in (reverse("portal:caseworker_home"), reverse("worklist:list"),
                         reverse("registry:household_list"), reverse("assistance:application_list"),
                         reverse("assistance:application_detail", args=[draft.pk]),
                         reverse("registry:household_detail", args=[draft.household_id]),
                         API + "applications/", "/api/v1/worklist/items/"):
                assert_ok(client, path)
        client.post(reverse("accounts:logout"))
        assert client.get(reverse("portal:caseworker_home")).status_code == 302  # signed out for real
    unreachable = [r for r in caplog.records if "Redis cache unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # one warning for the outage, not one per request


@pytest.mark.parametrize("how", ["phone", "id_number", "username"])
def test_a_resident_signs_in_every_way_and_opens_their_pages_with_redis_down(
        client, local_redis, resident, draft, how):  # noqa: F811
    typed = {"phone": "13800138000", "id_number": resident.person.reveal_id_number(), "username": "resident"}[how]
    sign_in(client, typed)
    assert client.get("/")["Location"] == reverse("portal:resident_home")
    for path in (reverse("portal:resident_home"), reverse("assistance:my_applications"),
                 reverse("notifications:list"), reverse("assistance:apply_review", args=[draft.pk]),
                 reverse("assistance:application_detail", args=[draft.pk]), API + "applications/"):
        assert_ok(client, path)


def test_the_api_submit_is_saved_once_answers_200_and_leaves_the_sms_for_the_sweep(
        client, local_redis, resident, draft, django_capture_on_commit_callbacks, caplog):  # noqa: F811
    sign_in(client, "13800138000")
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(API + f"applications/{draft.pk}/submit/", content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert any("could not queue notifications.send_sms" in r.getMessage() for r in caplog.records)
    assert client.post(API + f"applications/{draft.pk}/submit/").status_code == 409  # a retry is told it happened
    submitted_once(draft)
    note = Notification.objects.get(user=resident)
    assert note.sms_status == SmsStatus.PENDING and note.sms_queued_at is None  # for the sweep


def test_the_resident_page_submit_is_saved_once_and_redirects_with_redis_down(
        client, local_redis, resident, draft, django_capture_on_commit_callbacks):  # noqa: F811
    sign_in(client, "13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assistance:apply_submit", args=[draft.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("assistance:application_detail",
                                                                         args=[draft.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and "申请已提交" in page.content.decode()  # the message survived
    assert client.post(reverse("assistance:apply_submit", args=[draft.pk])).status_code == 302  # double click
    submitted_once(draft)
    assert Notification.objects.get(sms_status=SmsStatus.PENDING).sms_queued_at is None


def test_five_bad_passwords_still_lock_the_account_with_redis_down(client, local_redis, grid_worker):
    for _ in range(4):
        assert client.post(LOGIN, {"username": "grid", "password": "wrong-password"}).status_code == 200
    assert client.post(LOGIN, {"username": "grid", "password": "wrong-password"}).status_code == 429
    assert client.post(LOGIN, {"username": "grid", "password": PASSWORD}).status_code == 429


def test_axes_on_the_cache_handler_answers_no_500_with_redis_down(client, local_redis, settings, grid_worker):
    from axes.handlers.proxy import AxesProxyHandler

    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    try:
        for _ in range(6):
            assert client.post(LOGIN, {"username": "grid", "password": "wrong-password"}).status_code in (200, 429)
        sign_in(client, "grid")
    finally:
        settings.AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
        AxesProxyHandler.get_implementation(force=True)


# --- the cache itself ------------------------------------------------------------------------------

def test_a_dead_redis_is_a_miss_and_is_not_dialled_again_on_every_call(local_redis, monkeypatch):
    dials = []
    connect = redis.connection.AbstractConnection.connect
    monkeypatch.setattr(redis.connection.AbstractConnection, "connect",
                        lambda self, *a, **k: (dials.append(1), connect(self, *a, **k))[1])
    for _ in range(200):
        assert cache.get("k", "default") == "default"
        cache.set("k", 1)
        assert cache.add("k", 1) is True and cache.get_many(["k"]) == {} and not cache.has_key("k")
        with pytest.raises(ValueError):
            cache.incr("k")
    assert len(dials) == 1  # the first call found it down; the next seconds answer without dialling


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_what_was_written_while_redis_was_unreachable_is_dropped_when_it_is_back(local_redis):
    cache._cache.outage.retry_after = 0.2
    local_redis.start()
    cache.set("session", "signed in")
    local_redis.stop()
    cache.delete("session")  # a sign-out while Redis is unreachable
    assert cache.get("session") is None
    local_redis.start()  # put the old value back, as a Redis that was only cut off still has it
    raw, key = local_redis.client(), cache.make_key("session")
    raw.set(key, cache._cache._serializer.dumps("signed in"))
    deadline = time.monotonic() + 10
    while cache.get("probe") != "ok":  # past retry_after, the cache reconnects
        assert time.monotonic() < deadline
        cache.set("probe", "ok")
        time.sleep(0.05)
    assert not raw.exists(key) and cache.get("session") is None  # not the signed-out session


# --- the sweep once Redis is back ----------------------------------------------------------------------

def queued_tasks(server: LocalRedis) -> list[tuple[str, list]]:
    found = []
    for raw in server.client().lrange("celery", 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args))
    return found


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_the_sms_of_a_submit_made_with_redis_down_is_sent_once_by_the_sweep_when_it_is_back(
        client, local_redis, resident, draft, outbox, django_capture_on_commit_callbacks):  # noqa: F811
    sign_in(client, "13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(API + f"applications/{draft.pk}/submit/").status_code == 200
    note = Notification.objects.get(sms_status=SmsStatus.PENDING)
    assert notification_tasks.sweep_pending_sms() == 0  # still down: nothing queued, nothing lost
    assert Notification.objects.get(pk=note.pk).sms_queued_at is None

    local_redis.start()
    lib_tasks.broker.reset()  # the retry interval has passed
    assert notification_tasks.sweep_pending_sms() == 1
    assert queued_tasks(local_redis) == [("notifications.send_sms", [note.pk])]
    assert notification_tasks.sweep_pending_sms() == 0  # queued now: not again while its task runs
    notification_tasks.send_notification_sms(note.pk)  # the worker runs it
    notification_tasks.send_notification_sms(note.pk)  # a duplicate delivery sends nothing
    assert outbox == [("13800138000", f"【民政】{note.title}")]
    note.refresh_from_db()
    assert note.sms_status == SmsStatus.SENT


def test_the_sweep_is_in_the_beat_schedule():
    entries = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    assert "notifications.sweep_pending_sms" in entries
