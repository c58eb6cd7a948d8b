"""A real Celery worker is killed (SIGKILL) in the middle of a full run of the difficulty index on
the proactive engine; a second worker finishes it. Every household ends scored exactly once, with
no duplicate lead."""
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.utils import timezone

from assistance.scoring.models import HouseholdScore, Lead, ScoreHistory
from civilaffairs.celery import app
from civilaffairs.entitlements import services as engine
from civilaffairs.entitlements.models import EntitlementChunk, EntitlementRun, RunStatus
from civilaffairs.worklist.models import WorkItem
from tests.platform.test_celery_worker import ROOT, _test_database_url

from .conftest import ensure_model
from .helpers import ON
from .helpers import start_full_run as start
from .test_jobs import make_city

CHUNK_TASK = "entitlements.process_chunk"


def start_worker(queue: str, *, app_module: str = "civilaffairs", pool: tuple = ("--pool", "solo")) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app_module, "worker", *pool, "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", os.environ.get("DEBUG_WORKER", "WARNING")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)  # its own process group: a SIGKILL to the group takes the pool children too


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(city):
    ensure_model()
    households = make_city(city, 30)
    run, _ = start(on=ON, chunk_size=1)
    chunk_ids = list(EntitlementChunk.objects.filter(run=run).order_by("lo").values_list("pk", flat=True))
    queue = f"test-scoring-{uuid.uuid4().hex[:10]}"
    first = start_worker(queue)
    second = None
    try:
        for chunk_id in chunk_ids:
            app.send_task(CHUNK_TASK, args=[chunk_id], queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = EntitlementRun.objects.get(pk=run.pk).chunks_done
            if done >= 3:
                break
            assert first.poll() is None, first.stdout.read()
            time.sleep(0.02)
        first.kill()  # SIGKILL: no clean shutdown, an in-flight chunk transaction is rolled back
        first.wait(timeout=20)
        killed_at = EntitlementRun.objects.get(pk=run.pk).chunks_done
        assert 3 <= killed_at

        # The sweeper's job (``entitlement_runs_sweep``): queue again every chunk that is not done —
        # pending ones, and the killed worker's in-flight chunk once its claim is older than
        # STALE_CLAIM (a chunk also still in the queue, or redelivered by the broker, is then a
        # no-op). Time is moved on here: the claims and the run's progress aged past STALE_CLAIM.
        stale = timezone.now() - engine.STALE_CLAIM - dt.timedelta(seconds=1)
        EntitlementChunk.objects.filter(run=run, status="running").update(claimed_at=stale)
        EntitlementRun.objects.filter(pk=run.pk).update(last_progress_at=stale)
        swept = engine.entitlement_runs_sweep(enqueue_chunks=False)
        assert set(swept) == set(EntitlementChunk.objects.filter(run=run).exclude(status="done")
                                 .values_list("pk", flat=True))
        second = start_worker(queue)
        for chunk_id in swept:
            app.send_task(CHUNK_TASK, args=[chunk_id], queue=queue)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != RunStatus.RUNNING:
                break
            assert second.poll() is None, second.stdout.read()
            time.sleep(0.2)
    finally:
        stop(first)
        if second is not None:
            stop(second)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, (killed_at, run.chunks_done, run.chunks_total)
    assert run.evaluated == len(households) == HouseholdScore.objects.count()
    assert ScoreHistory.objects.count() == len(households)      # each household written once
    assert run.gained == Lead.objects.count() == 10
    assert WorkItem.objects.filter(kind="scoring.discovery").count() == 10


# --- redelivery by the broker alone ------------------------------------------------------------------

def _lock_chunk(chunk_id: int):
    """Hold the chunk's row lock from another connection: the worker that takes the chunk blocks
    inside ``entitlement_chunk_process`` (claiming it) — mid-chunk, deterministically."""
    import psycopg2

    conn = psycopg2.connect(_test_database_url())
    cur = conn.cursor()
    cur.execute("SELECT 1 FROM entitlements_entitlementchunk WHERE id = %s FOR UPDATE", [chunk_id])
    cur.execute("SELECT pg_backend_pid()")
    return conn, cur.fetchone()[0]


def _wait_blocked_on(holder_pid: int, worker: subprocess.Popen, until: float) -> None:
    from django.db import connection

    while time.monotonic() < until:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [holder_pid])
            if cur.fetchone()[0]:
                return
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.05)
    raise AssertionError("no worker reached the locked chunk in time")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="redelivery of unacked messages is the Redis transport's "
                    "(the filesystem transport used without REDIS_URL has no visibility timeout); CI sets REDIS_URL")
@pytest.mark.django_db(transaction=True)
def test_chunks_lost_with_a_killed_worker_come_back_from_the_broker_without_being_queued_again(city):
    """Each chunk is sent once, and nobody — neither the test nor a sweeper — sends it again.

    1. The pool process running chunk A is SIGKILLed mid-chunk. The worker's main process sees the
       child lost; ``reject_on_worker_lost`` (with ``acks_late``) rejects the message back to the
       queue (at its back), to be taken again. Without them the message is acked and chunk A lost.
    2. The whole worker (main process and pool) is SIGKILLed mid-chunk B. Its message was never
       acked (``acks_late``): Redis keeps it in the "unacked" set, and the next worker's restore
       sweep gives it back to the queue once older than the visibility timeout (2 s for that worker,
       redelivery_celery.py). Without acks_late it was acked on receipt and chunk B is lost."""
    ensure_model()
    households = make_city(city, 12)
    run, _ = start(on=ON, chunk_size=1)
    chunk_ids = list(EntitlementChunk.objects.filter(run=run).order_by("lo").values_list("pk", flat=True))
    chunk_a, chunk_b = chunk_ids[2], chunk_ids[6]
    hold_a, holder_a = _lock_chunk(chunk_a)
    hold_b, holder_b = _lock_chunk(chunk_b)
    queue = f"test-redeliver-{uuid.uuid4().hex[:10]}"
    started = time.monotonic()
    first = start_worker(queue, pool=("--pool", "prefork", "--concurrency", "1"))
    second = None
    try:
        for chunk_id in chunk_ids:  # the only time any chunk is sent
            app.send_task(CHUNK_TASK, args=[chunk_id], queue=queue)

        # 1. kill the pool process while it waits inside chunk A
        _wait_blocked_on(holder_a, first, until=started + 25)
        (child,) = _children(first.pid)
        os.kill(child, signal.SIGKILL)
        hold_a.rollback()
        hold_a.close()
        # The rejected message goes to the back of the queue: the worker goes on with the next chunks
        # (up to B, still locked) and would take A again after them.

        # 2. kill the whole worker while it waits inside chunk B
        _wait_blocked_on(holder_b, first, until=time.monotonic() + 15)
        assert EntitlementChunk.objects.get(pk=chunk_a).status != "done"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        hold_b.rollback()
        hold_b.close()
        assert EntitlementChunk.objects.get(pk=chunk_b).status != "done"

        second = start_worker(queue, app_module="tests.assistance.scoring.redelivery_celery")
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != RunStatus.RUNNING:
                break
            assert second.poll() is None, second.stdout.read()
            time.sleep(0.2)
    finally:
        for conn in (hold_a, hold_b):
            if not conn.closed:
                conn.close()
        stop(first)
        if second is not None:
            stop(second)
        if os.environ.get("DEBUG_WORKER"):  # DEBUG_WORKER=INFO: the workers log each task; shown with -s
            print("FIRST", first.stdout.read())
            if second is not None:
                print("SECOND", second.stdout.read())
    run.refresh_from_db()
    missing = list(EntitlementChunk.objects.filter(run=run).exclude(status="done").values_list("pk", flat=True))
    assert run.status == RunStatus.DONE, (f"not done: chunks {missing} (A={chunk_a}, B={chunk_b}) were lost "
                                          f"with the killed worker: the broker did not deliver them again")
    assert run.evaluated == len(households) == HouseholdScore.objects.count()
    assert ScoreHistory.objects.count() == len(households)  # each household written once
    assert time.monotonic() - started < 60
