"""Resident application submit under load: the issue-4 row "8 concurrent clients: ≥ 200/s at
p95 ≤ 100 ms", measured through a real HTTP server.

What is measured is what a resident's browser does on step 4 of the guided application
(``assistance:apply_submit``): a form POST with the session cookie and the CSRF token, answered
with a redirect to the application page. Residents use the web portal, not the API (the API's
token is for staff systems), so the load goes through the portal's session sign-in.

- The benchmark keeps its own residents in its own township (``TOWNSHIP``, created set-based and
  deterministically from the household index: persons with valid ID numbers, encrypted like the
  registry's, a phone for each head, 12 months of income records, one resident account per
  household head). One household has one open application, so each submit is a different household.
- Each run first deletes the previous run's applications and lays one complete draft per household
  set-based (declared members, one tiny material, the step the wizard leaves at ``review``).
- ``BENCH_SIGNINS`` (8) residents sign in for real through ``/accounts/login/`` with their ID number
  and password (PBKDF2, as in production); the other sessions are minted the way ``login()``
  writes them (same session data, same auth hash), because a PBKDF2 check per resident would
  make the set-up, not the submit, the cost of the benchmark.
- The server is ``gunicorn civilaffairs.wsgi`` started by the benchmark on a free port of
  127.0.0.1 with the production settings (``DJANGO_ENV=production``, DEBUG off, persistent
  database connections) when a Redis is configured, requests carrying ``X-Forwarded-Proto: https``
  as behind the TLS proxy; without Redis, the development settings with DEBUG off.
- Load: ``CLIENTS`` (8) threads, each with its own keep-alive ``http.client`` connection, closed
  loop (next request when the previous answered). Two floors from the same clients against the
  same server, measured before and after the submits: the minimal Django view (``GET
  /i18n/setlang/?next=/``, Django's own redirect: the whole middleware stack, no database) and
  ``GET /healthz`` (one query and a broker check); efficiency = submit throughput ÷ floor throughput.
  The CPU per request of the gunicorn workers and of PostgreSQL is measured too: on a shared
  machine it moves much less than throughput.
- Afterwards the rows are counted: every 302 must be one application moved to ``submitted`` with
  one submit event, one audit event and one open work item; errors must be 0.

Sizes: quick 1,000 submits, full 5,000 (``BENCH_SUBMITS`` overrides), the submit phase stopped after
20 s (quick) or 120 s (full, ``BENCH_SUBMIT_SECONDS``), counting what was answered. Server: the
project's ``gunicorn.conf.py`` unless ``BENCH_SUBMIT_WORKERS`` / ``BENCH_SUBMIT_THREADS`` are set
(gthread when threads > 1, else sync).

    python -m benchmarks --quick --only bench_resident_submit
"""
from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import io
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

from benchmarks.common import machine

QUICK_SUBMITS = 1_000
FULL_SUBMITS = 5_000
CLIENTS = 8
WARMUP_PER_CLIENT = 6
DOUBLE_CLICKS = 8
SIGNINS = int(os.environ.get("BENCH_SIGNINS", 8))

TOWNSHIP = "330203990"  # a street of 海曙区 that no generator uses
# The ID numbers' issuing region: 原江东区 (merged in 2016), where residents of 海曙 born before then were
# registered; ``benchmarks.city.DISTRICTS`` (the import benchmark's numbers) and the demo city never use it.
ID_REGION = "330204"
COMMUNITIES = 10
NUMBER_PREFIX = "SQR"  # never a real number ("SQ" + hex) nor the caseworker benchmark's "SQB"
SESSION_PREFIX = "bsub"
PASSWORD = "bench-resident-2024"
BATCH_NAME = "bench-resident-submit"
TARGET_RATE, TARGET_P95_MS = 200, 100

# A 1×1 PNG: the one material every draft carries (the pre-check wants at least one).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
MATERIAL_NAME = "materials/bench-submit/id-card.png"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


# --- the city part this benchmark owns ------------------------------------------------------

def _members(i: int) -> int:
    """Household ``i`` (0-based) has 1, 2 or 3 members; the head is the resident."""
    return 1 + i % 3


def _person(i: int, k: int) -> tuple[str, str, dt.date, str, str | None]:
    """(name, id number, birth date, gender, phone) of member ``k`` of household ``i``: deterministic,
    valid check digits, sequences 0..199 (the demo generator uses 250..499), heads and spouses born
    from 1960, children from 2012, one (birthday, sequence) per person. Issued in ``ID_REGION``, where
    no other benchmark issues numbers (the import benchmark's city numbers 1960-born persons of 330203
    with sequences 000, 001, …: the same digests, a UniqueViolation when both ran in one database)."""
    from civilaffairs.lib.idnumber import check_digit

    j = 3 * i + k
    female = k == 1 or (k == 2 and j % 2 == 0)
    birth = (dt.date(1960, 1, 1) if k < 2 else dt.date(2012, 1, 1)) + dt.timedelta(days=j // 200)
    body = f"{ID_REGION}{birth:%Y%m%d}{(j % 200) * 2 + (0 if female else 1):03d}"
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[(j * 7) % len(GIVEN)] + ("" if k else GIVEN[(i * 3) % len(GIVEN)])
    phone = f"139{i:08d}" if k == 0 else None
    return name, body + check_digit(body), birth, "F" if female else "M", phone


def _ensure_regions(cur) -> None:
    cur.execute("INSERT INTO registry_region (code, name, level, parent_id, is_active) "
                "VALUES (%s, '基准测试街道', 4, %s, true) ON CONFLICT DO NOTHING", [TOWNSHIP, TOWNSHIP[:6]])
    cur.execute("INSERT INTO registry_region (code, name, level, parent_id, is_active) "
                "SELECT %s || lpad(c::text, 3, '0'), '基准社区' || c, 5, %s, true "
                "FROM generate_series(1, %s) c ON CONFLICT DO NOTHING", [TOWNSHIP, TOWNSHIP, COMMUNITIES])


def _batch_id(cur) -> int:
    cur.execute("SELECT id FROM registry_importbatch WHERE file_name = %s", [BATCH_NAME])
    row = cur.fetchone()
    if row:
        return row[0]
    cur.execute("INSERT INTO registry_importbatch (source, channel, file_name, content_sha256, status, total_rows, "
                "loaded_rows, duplicate_rows, error_rows, errors, created_at, finished_at) "
                "VALUES ('hrss', 'api', %s, %s, 'done', 0, 0, 0, 0, '[]', now(), now()) RETURNING id",
                [BATCH_NAME, hashlib.sha256(BATCH_NAME.encode()).hexdigest()])
    return cur.fetchone()[0]


# Households, members, heads, accounts and department records from the persons just copied in
# (temp table bench_submit_people: household index i, member k, person id).
_GROW_SQL = [
    """CREATE TEMP TABLE bench_submit_hh ON COMMIT DROP AS
       SELECT i, nextval(pg_get_serial_sequence('registry_household', 'id')) AS hid
         FROM (SELECT DISTINCT i FROM bench_submit_people ORDER BY i) s""",
    """INSERT INTO registry_household (id, community_id, head_id, head_name, address, residence_type, urban_rural,
                                       member_count, created_at, updated_at)
       SELECT h.hid, %(township)s || lpad((1 + h.i %% %(communities)s)::text, 3, '0'), p.pid, p.name,
              '基准小区' || (1 + h.i / 100) || '幢' || (1 + h.i %% 100) || '室', 'registered', 'urban',
              (SELECT count(*) FROM bench_submit_people q WHERE q.i = h.i), now(), now()
         FROM bench_submit_hh h JOIN bench_submit_people p ON p.i = h.i AND p.k = 0""",
    """INSERT INTO registry_householdmember (household_id, person_id, relation, joined_on, left_on, is_active)
       SELECT h.hid, p.pid, (ARRAY['head', 'spouse', 'child'])[1 + p.k], DATE '2000-01-01', NULL, true
         FROM bench_submit_hh h JOIN bench_submit_people p ON p.i = h.i""",
    """INSERT INTO accounts_user (password, last_login, is_superuser, username, first_name, last_name, email,
                                  is_staff, is_active, date_joined, kind, display_name, person_id, large_text)
       SELECT %(password)s, NULL, false, 'r' || p.pid, '', '', '', false, true, now(), 'resident', p.name, p.pid,
              false
         FROM bench_submit_people p WHERE p.k = 0""",
    # 12 months of wages for the head (about a third of households under the 低保 line per head),
    # and savings on record: what the pre-check reads.
    """INSERT INTO registry_departmentrecord (person_id, id_digest, source, kind, period_start, period_end, amount,
                                              attributes, batch_id, fingerprint, created_at)
       SELECT p.pid, p.digest, 'hrss', 'income', m::date, (m + interval '1 month - 1 day')::date,
              (600 + (p.i * 7919) %% 4200)::numeric(14, 2), '{}'::jsonb, %(batch)s,
              md5('bench-submit:' || p.pid || ':' || m::date)::uuid, now()
         FROM bench_submit_people p,
              generate_series(date_trunc('month', now()) - interval '24 months',
                              date_trunc('month', now()) - interval '1 month', interval '1 month') m
        WHERE p.k = 0""",
    """INSERT INTO registry_departmentrecord (person_id, id_digest, source, kind, period_start, period_end, amount,
                                              attributes, batch_id, fingerprint, created_at)
       SELECT p.pid, p.digest, 'bank', 'financial_assets', DATE '2024-12-31', DATE '2024-12-31',
              ((p.i * 104729) %% 40000)::numeric(14, 2), '{}'::jsonb, %(batch)s,
              md5('bench-submit-assets:' || p.pid)::uuid, now()
         FROM bench_submit_people p WHERE p.k = 0""",
]


def ensure_residents(n: int) -> tuple[int, float]:
    """At least ``n`` households with a resident account in ``TOWNSHIP``; returns (households created, s).
    Households are made in index order, so growing to a larger ``n`` gives the same city."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from civilaffairs.lib.crypto import _aead, _index_key, _VERSION
    from civilaffairs.lib.masking import mask_id_number, mask_phone

    from benchmarks.city import DISTRICTS

    # The import benchmark numbers its city's persons in DISTRICTS: ours must never meet them.
    assert ID_REGION not in DISTRICTS, "bench_resident_submit.ID_REGION must be a region no generator issues"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        _ensure_regions(cur)
        # Only households with their resident's account: the city generator (``benchmarks.city``) also
        # fills the communities of this township once they exist, and counting those made a second run
        # believe its residents were there (56 drafts instead of 1,056, 8 submits measured).
        cur.execute("SELECT count(*) FROM registry_household h JOIN accounts_user u ON u.person_id = h.head_id "
                    "WHERE h.community_id LIKE %s", [TOWNSHIP + "%"])
        have = cur.fetchone()[0]
        if have >= n:
            return 0, time.perf_counter() - started
        aead, key = _aead(settings.FIELD_ENCRYPTION_KEY), _index_key(settings.BLIND_INDEX_KEY)
        now = timezone.now().isoformat()

        def encrypt(text: str) -> str:
            nonce = os.urandom(12)
            return "\\\\x" + (_VERSION + nonce + aead.encrypt(nonce, text.encode(), None)).hex()

        def digest(value: str, purpose: str) -> str:
            import hmac

            return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

        people = [(i, k) for i in range(have, n) for k in range(_members(i))]
        cur.execute("SELECT nextval(pg_get_serial_sequence('registry_person', 'id'))")
        first = cur.fetchone()[0]
        cur.execute("SELECT setval(pg_get_serial_sequence('registry_person', 'id'), %s)", [first + len(people) - 1])
        persons, index = io.StringIO(), io.StringIO()
        for pid, (i, k) in enumerate(people, start=first):
            name, number, birth, gender, phone = _person(i, k)
            id_digest = digest(number, "id")
            phone_cols = (f"{encrypt(phone)}\t{digest(phone, 'phone')}\t{mask_phone(phone)}" if phone
                          else "\\N\t\t")
            persons.write(f"{pid}\t{name}\t{encrypt(number)}\t{id_digest}\t{mask_id_number(number)}\t{gender}\t"
                          f"{birth.isoformat()}\t{phone_cols}\t{TOWNSHIP[:6]}\t{now}\t{now}\n")
            index.write(f"{i}\t{k}\t{pid}\t{name}\t{id_digest}\n")
        persons.seek(0)
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.copy_expert("COPY registry_person (id, name, id_number_encrypted, id_digest, id_number_masked, gender, "
                        "birth_date, phone_encrypted, phone_digest, phone_masked, registered_region_id, created_at, "
                        "updated_at) FROM STDIN", persons)
        cur.execute("CREATE TEMP TABLE bench_submit_people (i int, k int, pid bigint, name text, digest text) "
                    "ON COMMIT DROP")
        index.seek(0)
        cur.copy_expert("COPY bench_submit_people FROM STDIN", index)
        params = {"township": TOWNSHIP, "communities": COMMUNITIES, "batch": _batch_id(cur),
                  "password": make_password(PASSWORD)}  # one PBKDF2 hash (own salt) shared by the accounts
        for step in _GROW_SQL:
            cur.execute(step, params)
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_household, registry_householdmember, registry_person, accounts_user, "
                    "registry_departmentrecord")
    return n - have, time.perf_counter() - started


# --- drafts: one complete application per household, laid set-based for every run -----------

_DRAFT_SQL = [
    """CREATE TEMP TABLE bench_submit_drafts ON COMMIT DROP AS
       SELECT h.id AS hid, h.community_id, h.head_id, u.id AS uid,
              nextval(pg_get_serial_sequence('assistance_application', 'id')) AS aid
         FROM registry_household h JOIN accounts_user u ON u.person_id = h.head_id
        WHERE h.community_id LIKE %(township_like)s
        ORDER BY h.id LIMIT %(n)s""",
    """INSERT INTO assistance_application (id, number, household_id, community_id, applicant_id, programmes, channel,
                                           status, reason, emergency, precheck, missing_materials, draft_data,
                                           created_by_id, submitted_at, decided_at, created_at, updated_at, version)
       SELECT aid, %(prefix)s || lpad(hid::text, 12, '0'), hid, community_id, head_id,
              (CASE WHEN hid %% 5 = 0 THEN ARRAY['dibao', 'temporary'] ELSE ARRAY['dibao'] END)::varchar[],
              'online', 'draft', '家庭收入低，无力承担基本生活开支，申请救助。', false, '{}'::jsonb, '',
              '{"step": "review"}'::jsonb, uid, NULL, NULL, now(), now(), 0
         FROM bench_submit_drafts""",
    """INSERT INTO assistance_applicationmember (application_id, person_id, relation, declared_monthly_income,
                                                 disability_grade, serious_illness, self_care, can_work, note)
       SELECT d.aid, m.person_id, m.relation, CASE WHEN m.relation = 'head' THEN 800 + d.hid %% 1500 ELSE 0 END,
              NULL, false, 'self', m.relation <> 'child', ''
         FROM bench_submit_drafts d JOIN registry_householdmember m ON m.household_id = d.hid AND m.is_active""",
    """INSERT INTO assistance_applicationevent (application_id, action, from_status, to_status, actor_id, note,
                                                created_at)
       SELECT aid, 'create', '', 'draft', uid, '', now() FROM bench_submit_drafts""",
    """INSERT INTO assistance_material (application_id, visit_id, kind, storage_name, original_name, content_type,
                                        size, sha256, uploaded_by_id, created_at)
       SELECT aid, NULL, 'id_card', %(material)s, '身份证.png', 'image/png', %(size)s, %(sha)s, uid, now()
         FROM bench_submit_drafts""",
    "SELECT aid, uid, hid, head_id FROM bench_submit_drafts ORDER BY hid",
]


def clear_previous_runs() -> None:
    """Delete this benchmark's applications (with their events, members, materials), their work items,
    the notifications and sessions of its residents. Audit events stay (append-only)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("CREATE TEMP TABLE bench_submit_old ON COMMIT DROP AS "
                    "SELECT id FROM assistance_application WHERE number LIKE %s", [NUMBER_PREFIX + "%"])
        cur.execute("DELETE FROM worklist_workitem WHERE subject_type = 'assistance.application' "
                    "AND subject_id IN (SELECT id::text FROM bench_submit_old)")
        for table in ("assistance_applicationevent", "assistance_applicationmember", "assistance_material"):
            cur.execute(f"DELETE FROM {table} WHERE application_id IN (SELECT id FROM bench_submit_old)")
        cur.execute("DELETE FROM assistance_application WHERE id IN (SELECT id FROM bench_submit_old)")
        cur.execute("DELETE FROM notifications_notification WHERE user_id IN (SELECT u.id FROM accounts_user u "
                    "JOIN registry_householdmember m ON m.person_id = u.person_id JOIN registry_household h "
                    "ON h.id = m.household_id WHERE h.community_id LIKE %s)", [TOWNSHIP + "%"])
        cur.execute("DELETE FROM django_session WHERE session_key LIKE %s", [SESSION_PREFIX + "%"])


def lay_drafts(n: int) -> list[tuple[int, int, int, int]]:
    """One review-ready draft for each of the first ``n`` households: (application, user, household, head)."""
    from django.conf import settings
    from django.db import connection, transaction

    target = Path(settings.PRIVATE_MEDIA_ROOT) / MATERIAL_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(PNG)
    params = {"township_like": TOWNSHIP + "%", "n": n, "prefix": NUMBER_PREFIX, "material": MATERIAL_NAME,
              "size": len(PNG), "sha": hashlib.sha256(PNG).hexdigest()}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        for step in _DRAFT_SQL:
            cur.execute(step, params)
        rows = cur.fetchall()
    with connection.cursor() as cur:
        cur.execute("ANALYZE assistance_application, assistance_applicationmember, assistance_material, "
                    "assistance_applicationevent")
    return rows


def mint_sessions(user_ids: list[int]) -> dict[int, str]:
    """Sessions as ``django.contrib.auth.login`` writes them (user id, backend, auth hash): rows in the
    session table and, with the ``cached_db`` engine, the cache entries its ``save()`` writes."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.utils import timezone

    engine = import_module(settings.SESSION_ENGINE).SessionStore
    store = engine()
    expire = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    users = get_user_model().objects.filter(pk__in=user_ids).only("pk", "password")
    keys, rows, cached = {}, [], {}
    for user in users:
        key = SESSION_PREFIX + secrets.token_hex(14)
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "civilaffairs.accounts.backends.ResidentIdentifierBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        if hasattr(engine, "cache_key_prefix"):
            cached[engine.cache_key_prefix + key] = data
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=2000)
    if cached:
        caches[settings.SESSION_CACHE_ALIAS].set_many(cached, timeout=settings.SESSION_COOKIE_AGE)
    return keys


# --- the server -------------------------------------------------------------------------------

def _gunicorn_config(base_dir) -> dict:
    import runpy

    path = Path(base_dir) / "gunicorn.conf.py"
    return runpy.run_path(str(path)) if path.exists() else {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``gunicorn civilaffairs.wsgi`` on 127.0.0.1, the same database, production settings when possible."""

    def __init__(self, *, workers: int | None = None, threads: int | None = None):
        """``workers``/``threads`` override the project's ``gunicorn.conf.py`` (what production runs)."""
        from django.conf import settings

        config = _gunicorn_config(settings.BASE_DIR)
        self.workers = workers or config.get("workers", 1)
        self.threads = threads or config.get("threads", 1)
        self.port = _free_port()
        env = dict(os.environ)
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        self.production = bool(os.environ.get("REDIS_URL"))
        if self.production:
            env.update(DJANGO_ENV="production", SECRET_KEY=settings.SECRET_KEY,
                       FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY, BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
                       REPORT_SEAL_KEY=settings.REPORT_SEAL_KEY, ALLOWED_HOSTS="127.0.0.1",
                       PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT))
            env.pop("DJANGO_DEBUG", None)
        else:
            env.update(DJANGO_ENV="development", DJANGO_DEBUG="0", DB_CONN_MAX_AGE="60")
        env.setdefault("LOG_LEVEL", "WARNING")
        self.log = tempfile.NamedTemporaryFile(prefix="bench-submit-gunicorn-", suffix=".log", delete=False)
        cmd = [sys.executable, "-m", "gunicorn", "civilaffairs.wsgi", "--bind", f"127.0.0.1:{self.port}",
               "--log-level", "warning"]
        if workers or threads:
            cmd += ["--workers", str(self.workers), "--threads", str(self.threads),
                    "--worker-class", "gthread" if self.threads > 1 else "sync"]
        self.worker_class = "gthread" if self.threads > 1 else "sync"
        if not (workers or threads):
            self.worker_class = config.get("worker_class", self.worker_class)
        self.proc = subprocess.Popen(cmd, cwd=str(settings.BASE_DIR), env=env, stdout=self.log, stderr=self.log)
        self.scheme = "https" if self.production else "http"
        self.origin = f"{self.scheme}://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        try:
            while True:
                try:
                    status, _, _ = self.request("GET", "/healthz")
                    if status == 200:
                        break
                except (OSError, http.client.HTTPException):
                    pass
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not come up:\n{self.tail()}")
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise

    def headers(self, cookie: str = "") -> dict:
        h = {"Origin": self.origin}
        if self.production:
            h["X-Forwarded-Proto"] = "https"  # as the TLS-terminating proxy sets it
        if cookie:
            h["Cookie"] = cookie
        return h

    def request(self, method: str, path: str, body: str | None = None, cookie: str = "", conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = self.headers(cookie)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status, resp.getheader("Location", ""), resp.headers.get_all("Set-Cookie") or []
        finally:
            if own:
                conn.close()

    def _children(self) -> list[str]:
        try:
            return Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []

    def cpu_sample(self) -> dict:
        """CPU seconds used so far by each gunicorn worker (``("app", pid)``) and each PostgreSQL
        backend serving this database other than the benchmark's own (``("db", pid)``)."""
        from django.db import connection

        def cpu(pid) -> float | None:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                return None

        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
            backends = [r[0] for r in cur.fetchall()]
        pids = [("app", int(p)) for p in self._children()] + [("db", p) for p in backends]
        return {key: value for key in pids if (value := cpu(key[1])) is not None}

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self._children():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
        return out

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
            os.unlink(self.log.name)


# --- the clients ------------------------------------------------------------------------------

def _csrf() -> str:
    """A CSRF secret as the cookie carries it (what the review page would have set)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(32))


def load(server: Server, requests: list[tuple], clients: int = CLIENTS, seconds: float | None = None) -> dict:
    """Send ``requests`` ((method, path, body, cookie, expect(status, location) -> bool, tag), …) from
    ``clients`` threads, each over its own keep-alive connection, closed loop, for at most ``seconds``.
    Returns wall seconds, latencies (s), the tags answered, the error count and the first few errors."""
    shares = [requests[c::clients] for c in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    answered: list[list] = [[] for _ in range(clients)]
    errors: list[list[str]] = [[] for _ in range(clients)]
    gate = threading.Barrier(clients + 1)
    deadline = [float("inf")]

    def client(c: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        gate.wait()
        for method, path, body, cookie, expect, tag in shares[c]:
            if time.perf_counter() > deadline[0]:
                break
            t = time.perf_counter()
            try:
                status, location, _ = server.request(method, path, body, cookie, conn=conn)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                status, location = None, repr(exc)
            latencies[c].append(time.perf_counter() - t)
            answered[c].append(tag)
            if status is None or not expect(status, location):
                errors[c].append(f"{method} {path} -> {status} {location}")
        conn.close()

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    deadline[0] = started + (seconds or float("inf"))
    gate.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    flat = sorted(x for part in latencies for x in part)
    errs = [e for part in errors for e in part]
    return {"wall": wall, "n": len(flat), "lat": flat, "tags": [x for part in answered for x in part],
            "errors": len(errs), "examples": errs[:3]}


HEALTHZ = ("GET", "/healthz", None, "", lambda status, location: status == 200, None)
MINIMAL = ("GET", "/i18n/setlang/?next=/", None, "", lambda status, location: status == 302 and location == "/", None)


class CpuMeter:
    """CPU of the server side (gunicorn workers, PostgreSQL backends) and of this process (the
    clients) during a phase: the cost of a request, much less dependent than throughput on how busy
    the machine is with other work. Sampled every 0.2 s, so a worker recycled after
    ``max_requests`` or a connection closed after ``CONN_MAX_AGE`` still counts (a process that
    starts during the phase counts from zero: its start-up is part of the cost)."""

    def __init__(self, server: Server):
        self.server, self.first, self.last = server, {}, {}
        self.ready, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _take(self, initial: bool = False) -> None:
        for key, value in self.server.cpu_sample().items():
            self.first.setdefault(key, value if initial else 0.0)
            self.last[key] = value

    def _run(self) -> None:
        # All samples from this thread: its own connection is the one backend left out.
        from django.db import connection

        try:
            self._take(initial=True)
            self.ready.set()
            while not self.done.wait(0.2):
                self._take()
            self._take()
        finally:
            self.ready.set()
            connection.close()

    def __enter__(self):
        self.thread.start()
        self.ready.wait()
        self.client = time.process_time()
        return self

    def __exit__(self, *exc):
        self.client = time.process_time() - self.client
        self.done.set()
        self.thread.join()
        self.app = sum(self.last[k] - self.first[k] for k in self.last if k[0] == "app")
        self.db = sum(self.last[k] - self.first[k] for k in self.last if k[0] == "db")


def _cpu(meter: CpuMeter, n: int) -> str:
    app, db, client = (x / max(n, 1) * 1000 for x in (meter.app, meter.db, meter.client))
    return (f"{app:.1f} ms gunicorn + {db:.1f} ms PostgreSQL (server-bound ceiling "
            f"{(os.cpu_count() or 1) / (app + db) * 1000:,.0f}/s on {os.cpu_count()} idle cores; "
            f"client {client:.1f} ms)")


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


def _summary(r: dict) -> str:
    lat = r["lat"]
    return (f"{r['n'] / r['wall']:,.0f}/s, p50 {_pct(lat, 50) * 1000:.1f} ms, p95 {_pct(lat, 95) * 1000:.1f} ms, "
            f"p99 {_pct(lat, 99) * 1000:.1f} ms, max {lat[-1] * 1000:.0f} ms, errors {r['errors']}")


def _submit(app_id: int, session_key: str, csrf: str) -> tuple:
    path = f"/assistance/apply/{app_id}/submit/"
    done = f"/assistance/applications/{app_id}/"
    return ("POST", path, f"csrfmiddlewaretoken={csrf}", f"csrftoken={csrf}; sessionid={session_key}",
            lambda status, location: status == 302 and location == done, app_id)


def sign_in(server: Server, id_number: str) -> tuple[str, str, float]:
    """The real sign-in: the login form POSTed with the ID number and password. Returns
    (session key, csrf cookie, seconds)."""
    csrf = _csrf()
    from urllib.parse import urlencode

    body = urlencode({"username": id_number, "password": PASSWORD, "csrfmiddlewaretoken": csrf})
    t = time.perf_counter()
    status, location, cookies = server.request("POST", "/accounts/login/", body, f"csrftoken={csrf}")
    elapsed = time.perf_counter() - t
    jar = SimpleCookie()
    for c in cookies:
        jar.load(c)
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"sign-in of a benchmark resident failed: {status} {location}\n{server.tail()}")
    return jar["sessionid"].value, jar["csrftoken"].value if "csrftoken" in jar else csrf, elapsed


def verify(app_ids: list[int]) -> dict:
    """Rows behind the answers: applications submitted, submit events, audit events, open work items."""
    from django.db import connection

    ids = list(app_ids)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FILTER (WHERE status = 'submitted' AND submitted_at IS NOT NULL), "
                    "count(*) FILTER (WHERE status = 'draft') FROM assistance_application WHERE id = ANY(%s)", [ids])
        submitted, drafts = cur.fetchone()
        cur.execute("SELECT count(*), count(DISTINCT application_id) FROM assistance_applicationevent "
                    "WHERE action = 'submit' AND application_id = ANY(%s)", [ids])
        events, distinct_events = cur.fetchone()
        cur.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'assistance.application_submit' "
                    "AND object_type = 'assistance.application' AND object_id = ANY(%s)", [[str(i) for i in ids]])
        audits = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM worklist_workitem WHERE subject_type = 'assistance.application' "
                    "AND subject_id = ANY(%s) AND status = 'open'", [[str(i) for i in ids]])
        items = cur.fetchone()[0]
    return {"submitted": submitted, "drafts": drafts, "events": events, "distinct_events": distinct_events,
            "audits": audits, "items": items}


def _hasher() -> str:
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    return f"{hasher.algorithm}, {getattr(hasher, 'iterations', '?'):,} iterations"


def _loadavg() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(quick: bool) -> list[str]:
    from django.db import connection

    from benchmarks.city import check_database

    check_database()
    n = int(os.environ.get("BENCH_SUBMITS", QUICK_SUBMITS if quick else FULL_SUBMITS))
    workers = int(os.environ.get("BENCH_SUBMIT_WORKERS", 0)) or None  # default: gunicorn.conf.py
    threads = int(os.environ.get("BENCH_SUBMIT_THREADS", 0)) or None
    warmup = CLIENTS * WARMUP_PER_CLIENT
    floor_n = max(500, n // 2)
    cap = float(os.environ.get("BENCH_SUBMIT_SECONDS", 20 if quick else 120))  # quick stays well under 2 min
    lines = [f"machine: {machine()}; {_loadavg()} at start"]

    created, seconds = ensure_residents(warmup + n + DOUBLE_CLICKS)
    lines.append(f"residents: {warmup + n + DOUBLE_CLICKS:,} households with a resident account in {TOWNSHIP} "
                 f"({created:,} created in {seconds:.1f}s)")
    t = time.perf_counter()
    clear_previous_runs()
    drafts = lay_drafts(warmup + n + DOUBLE_CLICKS)
    sessions = mint_sessions([uid for _, uid, _, _ in drafts[SIGNINS:]])
    lines.append(f"drafts: {len(drafts):,} complete drafts (members, one {len(PNG)}-byte material) and "
                 f"{len(sessions):,} sessions laid in {time.perf_counter() - t:.1f}s")
    connection.close()  # the benchmark process holds no connection while the server works

    server = Server(workers=workers, threads=threads)
    try:
        # Real sign-ins: the first SIGNINS residents, by ID number and password.
        from civilaffairs.registry.models import Person

        from concurrent.futures import ThreadPoolExecutor

        heads = {p.pk: p for p in Person.objects.filter(pk__in=[head for *_, head in drafts[:SIGNINS]])}
        numbers = [heads[head].reveal_id_number() for *_, head in drafts[:SIGNINS]]
        with ThreadPoolExecutor(max(1, SIGNINS)) as pool:  # at once, as residents do
            answers = list(pool.map(lambda number: sign_in(server, number), numbers))
        signins = [(aid, *answer) for (aid, *_), answer in zip(drafts[:SIGNINS], answers)]
        connection.close()

        csrf = _csrf()
        warm = [_submit(aid, key, c) for aid, key, c, _ in signins]
        warm += [_submit(aid, sessions[uid], csrf) for aid, uid, _, _ in drafts[SIGNINS:warmup]]
        warm_result = load(server, warm)
        for _ in range(2):  # every worker thread has its connection and its imports
            load(server, [HEALTHZ, MINIMAL] * (2 * CLIENTS))

        floors = {"minimal": [MINIMAL] * floor_n, "healthz": [HEALTHZ] * floor_n}
        load_before = _loadavg()
        before = {}
        for name, reqs in floors.items():
            with CpuMeter(server) as meter:
                r = load(server, reqs)
            before[name] = (r, _cpu(meter, r["n"]))
        measured = drafts[warmup:warmup + n]
        with CpuMeter(server) as meter:
            result = load(server, [_submit(aid, sessions[uid], csrf) for aid, uid, _, _ in measured], seconds=cap)
        after = {name: load(server, reqs) for name, reqs in reversed(floors.items())}
        load_after = _loadavg()
        connection.close()

        clicks = drafts[warmup + n:]
        double = load(server, [_submit(aid, sessions[uid], csrf) for aid, uid, _, _ in clicks for _ in (0, 1)],
                      clients=2 * len(clicks))
        rss = server.worker_rss_mb()
    finally:
        server.stop()

    counted = verify(result["tags"])
    clicked = verify([aid for aid, *_ in clicks])
    warm_counted = verify([aid for aid, *_ in drafts[:warmup]])
    floor_rate = {name: (before[name][0]["n"] / before[name][0]["wall"] + after[name]["n"] / after[name]["wall"]) / 2
                  for name in floors}
    rate = result["n"] / result["wall"]
    p95 = _pct(result["lat"], 95) * 1000
    mode = "production settings (DJANGO_ENV=production, X-Forwarded-Proto https)" if server.production else \
        "development settings with DEBUG off"
    kind = f"{server.worker_class}, {server.threads} threads each" if server.threads > 1 else server.worker_class
    source = "BENCH_SUBMIT_WORKERS/THREADS" if workers or threads else "gunicorn.conf.py"
    lines.append(f"server: gunicorn civilaffairs.wsgi, {server.workers} workers ({kind}; {source}), {mode}; "
                 f"worker RSS {', '.join(f'{x:.0f}' for x in rss)} MB")
    lines.append(f"real sign-ins: {len(signins)} residents at once by ID number + password: "
                 f"p50 {statistics.median(s for *_, s in signins) * 1000:.0f} ms "
                 f"({_hasher()}); their sessions submit first in the warm-up of {warm_result['n']} submits: "
                 f"errors {warm_result['errors']}" + (f" {warm_result['examples']}" if warm_result["errors"] else ""))
    for name, label in (("minimal", "GET /i18n/setlang/?next=/ (Django's set_language: the whole middleware "
                                    "stack, no database)"),
                        ("healthz", "GET /healthz (one query and a broker check)")):
        lines.append(f"floor {name}: {label}, {CLIENTS} clients, {floor_n:,} requests, before/after: "
                     f"{_summary(before[name][0])} / {_summary(after[name])}; CPU per request {before[name][1]}")
    met = rate >= TARGET_RATE and p95 <= TARGET_P95_MS and result["errors"] == 0
    capped = f" (of {n:,}: stopped at {cap:.0f}s)" if result["n"] < n else ""
    lines.append(f"resident submit: {CLIENTS} clients, {result['n']:,} residents{capped} each submitting their "
                 f"household's draft "
                 f"(POST → 302): {_summary(result)}; CPU per submit {_cpu(meter, result['n'])}; "
                 f"efficiency {rate / floor_rate['minimal']:.2f} of the minimal floor, "
                 f"{rate / floor_rate['healthz']:.2f} of /healthz; "
                 f"target ≥ {TARGET_RATE}/s at p95 ≤ {TARGET_P95_MS} ms: {'met' if met else 'NOT met'}; "
                 f"{load_before} before, {load_after} after"
                 + (f"; first errors {result['examples']}" if result["errors"] else ""))
    ok = (counted["submitted"] == counted["events"] == counted["distinct_events"] == counted["audits"]
          == counted["items"] == result["n"] - result["errors"] and counted["drafts"] == result["errors"])
    lines.append(f"rows: {counted['submitted']:,} applications submitted, {counted['events']:,} submit events, "
                 f"{counted['audits']:,} audit events, {counted['items']:,} open work items for {result['n']:,} "
                 f"submits, "
                 f"{counted['drafts']} still drafts: {'consistent' if ok else 'INCONSISTENT'}; warm-up "
                 f"{warm_counted['submitted']}/{warmup} submitted")
    once = clicked["submitted"] == clicked["events"] == clicked["distinct_events"] == clicked["audits"] == len(clicks)
    lines.append(f"double click: {len(clicks)} drafts, each POSTed twice at once: {double['n']} answers, "
                 f"errors {double['errors']}; {clicked['events']} submit events for {len(clicks)} applications "
                 f"({'each submitted once' if once else 'NOT once each'})")
    return lines
