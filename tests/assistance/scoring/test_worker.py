"""A real Celery worker is killed (SIGKILL) in the middle of a full run; a second
worker finishes it. Every household ends scored exactly once, with no duplicate lead."""
import os
import subprocess
import sys
import time
import uuid

import pytest

from assistance.scoring import services
from assistance.scoring.models import (
    HouseholdScore,
    Lead,
    RunStatus,
    ScoreHistory,
    ScoringChunk,
    ScoringRun,
)
from civilaffairs.celery import app
from civilaffairs.worklist.models import WorkItem
from tests.platform.test_celery_worker import ROOT, _test_database_url

from .conftest import ensure_model
from .helpers import ON
from .test_jobs import make_city


def start_worker(queue: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "civilaffairs", "worker", "--pool", "solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


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
    run, _ = services.scoring_run_start(on=ON, chunk_size=1, enqueue=False)
    chunk_ids = list(ScoringChunk.objects.filter(run=run).order_by("lo_id").values_list("pk", flat=True))
    queue = f"test-scoring-{uuid.uuid4().hex[:10]}"
    first = start_worker(queue)
    second = None
    try:
        for chunk_id in chunk_ids:
            app.send_task("scoring.score_chunk", args=[chunk_id], queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = ScoringRun.objects.get(pk=run.pk).chunks_done
            if done >= 3:
                break
            assert first.poll() is None, first.stdout.read()
            time.sleep(0.02)
        first.kill()  # SIGKILL: no clean shutdown, an in-flight chunk transaction is rolled back
        first.wait(timeout=20)
        killed_at = ScoringRun.objects.get(pk=run.pk).chunks_done
        assert 3 <= killed_at

        # The sweeper's job: queue again every chunk that is not done (a chunk that is
        # also still in the queue, or redelivered by the broker, is then a no-op).
        second = start_worker(queue)
        for chunk_id in ScoringChunk.objects.filter(run=run).exclude(status="done").values_list("pk", flat=True):
            app.send_task("scoring.score_chunk", args=[chunk_id], queue=queue)
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
    assert run.households_scored == len(households) == HouseholdScore.objects.count()
    assert ScoreHistory.objects.count() == len(households)      # each household written once
    assert run.leads_raised == Lead.objects.count() == 10
    assert WorkItem.objects.filter(kind="scoring.discovery").count() == 10
