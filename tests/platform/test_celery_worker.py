"""A real Celery worker (a separate process) consumes a task from the real broker
(Redis when REDIS_URL is set, the filesystem transport otherwise) and writes to
the test database."""
import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from civilaffairs.celery import app
from civilaffairs.worklist.models import WorkItem
from civilaffairs.worklist.services import workitem_raise

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    if s["HOST"].startswith("/"):
        return f"postgres://{auth}@/{s['NAME']}?host={s['HOST']}"
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker(transactional_db):
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "civilaffairs", "worker", "--pool", "solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield queue, proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
def test_a_real_worker_escalates_overdue_items(worker, city):
    queue, proc = worker
    item, _ = workitem_raise(kind="test", title="逾期事项", region_code=city.community.code,
                             due_at=timezone.now() - dt.timedelta(hours=3))
    app.send_task("worklist.escalate_overdue", queue=queue)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        item.refresh_from_db()
        if item.escalated:
            break
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.5)
    assert item.escalated, "the worker did not process the task within 90 s"
    assert WorkItem.objects.get(pk=item.pk).priority == 4
