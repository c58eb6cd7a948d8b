"""Production smoke test: README's "Production:" steps, run for real.

A database of its own (the test database's name + ``_production``) on the suite's PostgreSQL server,
created and dropped here; the suite's connection user is the owner role (it runs ``migrate`` and
``grant_app_role``); a NOSUPERUSER role made here for the run (roles are cluster-wide: a unique
name, dropped at the end) is the application role that ``check --deploy``, ``collectstatic`` and
gunicorn use, with ``DJANGO_ENV=production`` and fresh keys from ``python -m civilaffairs.lib.crypto``.
The only step README does not have is the demo city (``seed_demo``, as the owner), so that each role
has someone to sign in as. Requests carry ``X-Forwarded-Proto: https`` and the public host name, as
the TLS-terminating proxy sends them.

Skipped only where gunicorn cannot run (not POSIX, not installed) or no Redis is configured; with
``CI=true`` those are failures.
"""
from __future__ import annotations

import http.client
import importlib.util
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parents[2]
HOST = "mz.example.gov.cn"
ORIGIN = f"https://{HOST}"
PASSWORD = "civilaffairs-demo"
README_APP_ROLE = "civilaffairs_app"
README_BIND = "127.0.0.1:8000"
SETTINGS_ENV = ("DJANGO_ENV", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "FIELD_ENCRYPTION_KEY",
                "BLIND_INDEX_KEY", "REPORT_SEAL_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CIVILAFFAIRS_EMBEDDED_DB",
                "SECURE_SSL_REDIRECT", "STATIC_ROOT", "DEMO_PASSWORD")

# README.md "Production:" runs these, in this order: (who, command). "owner" runs with
# DATABASE_URL=$OWNER_URL, "app" with the application role's DATABASE_URL.
STEPS = [
    ("app", "python manage.py check --deploy --fail-level WARNING"),
    ("owner", "python manage.py migrate"),
    ("owner", f"python manage.py grant_app_role {README_APP_ROLE}"),
    ("app", "python manage.py collectstatic --noinput"),
    ("app", f"gunicorn civilaffairs.wsgi --bind {README_BIND}"),
]

# Each role: who signs in (username, or a resident's phone), the page "/" leads to, and the pages of
# its work beyond the navigation links of that page (which are all fetched as well).
ROLES = {
    "grid worker": ("demo-grid", "/work/", ["/assistance/file/", "/scoring/leads/"]),
    "township officer": ("demo-township", "/work/", ["/scoring/leads/"]),
    "district approver": ("demo-district", "/work/", ["/payments/rolls/", "/assistance/reviews/",
                                                      "/scoring/"]),
    "city admin": ("demo-city", "/work/", ["/manage/", "/assistance/subsidies/", "/admin/", "/audit/access-log/"]),
    "resident": ("13800001234", "/me/", ["/notifications/"]),
    "data provider": ("demo-data", "/data-provider/", []),
    "admin": ("admin", "/manage/", ["/admin/audit/auditevent/", "/admin/accounts/user/"]),
}


def readme_production_block() -> str:
    """The first ``sh`` block after the line that starts with "Production:"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\nProduction:")
    return re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)


def readme_production_steps() -> list[tuple[str, str]]:
    """The block's commands (``python manage.py …``, ``gunicorn …``), with who runs them; the other
    lines set the environment."""
    steps = []
    for line in readme_production_block().splitlines():
        line = line.split("  #", 1)[0].strip()
        who = "owner" if line.startswith("DATABASE_URL=$OWNER_URL ") else "app"
        line = line.removeprefix("DATABASE_URL=$OWNER_URL ")
        if line.startswith(("python manage.py ", "gunicorn ")):
            steps.append((who, line))
    return steps


def test_readme_production_steps_are_the_ones_this_test_runs():
    assert readme_production_steps() == STEPS
    block = readme_production_block()
    assert "python -m civilaffairs.lib.crypto" in block  # the keys, as production_environment() makes them
    for name in ("DJANGO_ENV=production", "ALLOWED_HOSTS=", "REDIS_URL=", "DATABASE_URL=", "OWNER_URL="):
        assert name in block


# --- the database server, the owner and the app role ------------------------------------------

def _server_params() -> dict:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {"host": db["HOST"], "port": db["PORT"] or "5432", "user": db["USER"], "password": db["PASSWORD"]}


def _url(params: dict, *, user: str, password: str, dbname: str) -> str:
    host = params["host"]
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    if host.startswith("/"):  # the embedded server's socket directory
        return f"postgres://{auth}@/{dbname}?host={quote(host, safe='/')}&port={params['port']}"
    return f"postgres://{auth}@{host}:{params['port']}/{dbname}"


def _connect(params: dict, *, dbname: str, user: str | None = None, password: str | None = None):
    import psycopg2

    conn = psycopg2.connect(host=params["host"], port=params["port"], user=user or params["user"],
                            password=password if user else params["password"], dbname=dbname)
    conn.autocommit = True
    return conn


def _admin(params: dict, sql: str, *args) -> None:
    conn = _connect(params, dbname="postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args or None)
    finally:
        conn.close()


@dataclass
class Deployment:
    params: dict
    dbname: str
    app_role: str
    app_password: str
    owner_env: dict
    app_env: dict
    workdir: Path
    outputs: dict = field(default_factory=dict)

    def command(self, line: str) -> list[str]:
        argv = shlex.split(line.replace(README_APP_ROLE, self.app_role))
        if argv[0] == "python":
            return [sys.executable, *argv[1:]]
        if argv[0] == "gunicorn":
            return [sys.executable, "-m", "gunicorn", *argv[1:]]
        raise AssertionError(f"unknown command {line}")

    def run(self, who: str, line: str, *, check: bool = True) -> subprocess.CompletedProcess:
        env = self.owner_env if who == "owner" else self.app_env
        result = subprocess.run(self.command(line), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        self.outputs[line] = result
        if check and result.returncode != 0:
            raise AssertionError(f"`{line}` ({who}) failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result


def production_environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    keys = subprocess.run([sys.executable, "-m", "civilaffairs.lib.crypto"], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60).stdout
    env.update(line.split("=", 1) for line in keys.splitlines() if "=" in line)
    env.update(DJANGO_ENV="production", ALLOWED_HOSTS=HOST, LOG_LEVEL="WARNING", **extra)
    return env


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must run the production smoke test)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    """README's steps up to gunicorn, with two database roles; the demo city laid by the owner."""
    _require(bool(os.environ.get("REDIS_URL")), "production mode needs a Redis: REDIS_URL is not set")
    from django.conf import settings

    params = _server_params()
    dbname = settings.DATABASES["default"]["TEST"]["NAME"] + "_production"
    app_role, app_password = f"ca_smoke_app_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    workdir = tmp_path_factory.mktemp("production")
    _admin(params, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _admin(params, f'CREATE DATABASE "{dbname}"')
    _admin(params, f'CREATE ROLE "{app_role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %s', app_password)
    common = {"STATIC_ROOT": str(workdir / "static"), "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
              "CIVILAFFAIRS_VAR_DIR": str(workdir / "var")}
    app_env = production_environment(
        DATABASE_URL=_url(params, user=app_role, password=app_password, dbname=dbname), **common)
    owner_env = dict(app_env, DATABASE_URL=_url(params, user=params["user"], password=params["password"],
                                                dbname=dbname))
    deployed = Deployment(params=params, dbname=dbname, app_role=app_role, app_password=app_password,
                          owner_env=owner_env, app_env=app_env, workdir=workdir)
    try:
        for who, line in STEPS[:-1]:
            deployed.run(who, line)
        deployed.run("owner", "python manage.py seed_demo --households 20")
        yield deployed
    finally:
        _admin(params, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        _admin(params, f'DROP ROLE IF EXISTS "{app_role}"')


# --- the server --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as README starts it, on a free loopback port; a client that keeps its cookies."""

    def __init__(self, deployed: Deployment, *, env: dict | None = None, workers: int = 2):
        _require(os.name == "posix", "gunicorn runs on POSIX systems only")
        _require(importlib.util.find_spec("gunicorn") is not None, "gunicorn is not installed")
        self.port = _free_port()
        line = STEPS[-1][1].replace(README_BIND, f"127.0.0.1:{self.port}")
        self.log_path = deployed.workdir / f"gunicorn-{self.port}.log"
        self.log = open(self.log_path, "wb")
        server_env = dict(env or deployed.app_env, GUNICORN_WORKERS=str(workers))
        self.proc = subprocess.Popen(deployed.command(line), cwd=ROOT, env=server_env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                self.request("GET", "/healthz")
                break
            except (OSError, http.client.HTTPException):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gunicorn did not come up:\n{self.tail()}")
            time.sleep(0.3)

    def request(self, method: str, path: str, *, body: dict | None = None, cookies: dict | None = None,
                headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": HOST, "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            sent.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN,
                         "Referer": ORIGIN + path})
        sent.update(headers or {})
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return (response.status, dict(response.getheaders()), response.headers.get_all("Set-Cookie") or [],
                    response.read())
        finally:
            conn.close()

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Visitor:
    """One browser: cookies kept, redirects followed on request."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies: dict[str, str] = {}

    def _keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value

    def get(self, path: str, *, follow: bool = False) -> tuple[int, str, bytes]:
        for _ in range(6):
            status, headers, set_cookies, content = self.server.request("GET", path, cookies=self.cookies)
            self._keep(set_cookies)
            if not (follow and status in (301, 302, 303, 307, 308)):
                return status, path, content
            location = urlsplit(headers["Location"])
            assert location.netloc in ("", HOST), headers["Location"]
            path = location.path + (f"?{location.query}" if location.query else "")
        raise AssertionError(f"too many redirects from {path}")

    def sign_in(self, username: str) -> None:
        status, _, page = self.get("/accounts/login/")
        assert status == 200, page[-2000:]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _, set_cookies, content = self.server.request(
            "POST", "/accounts/login/", body={"username": username, "password": PASSWORD,
                                              "csrfmiddlewaretoken": token}, cookies=self.cookies)
        self._keep(set_cookies)
        assert status == 302 and "sessionid" in self.cookies, (username, status, content[-2000:])


@pytest.fixture(scope="module")
def server(deployment):
    running = Server(deployment)
    try:
        yield running
    finally:
        running.stop()


def _links(page: bytes) -> list[str]:
    """The same-site pages the navigation offers."""
    hrefs = re.findall(rb'<a class="(?:nav-link|dropdown-item)[^"]*" href="(/[^"#]*)"', page)
    return list(dict.fromkeys(h.decode() for h in hrefs))


def _assets(page: bytes) -> list[str]:
    return list(dict.fromkeys(m.decode() for m in re.findall(rb'(?:href|src)="(/static/[^"]+)"', page)))


def test_check_deploy_reports_no_issues_with_the_generated_keys(deployment):
    result = deployment.outputs[STEPS[0][1]]
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_collectstatic_writes_the_manifest(deployment):
    assert (Path(deployment.app_env["STATIC_ROOT"]) / "staticfiles.json").exists()


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_signs_in_and_its_main_pages_answer_200(server, role):
    username, home, extra = ROLES[role]
    visitor = Visitor(server)
    visitor.sign_in(username)
    status, landed, page = visitor.get("/", follow=True)
    assert (status, landed) == (200, home), (role, status, landed, server.tail())
    pages = [p for p in _links(page) if p != "/"] + extra
    answers = {path: visitor.get(path)[0] for path in pages}
    assert answers == {path: 200 for path in pages}, (role, server.tail())
    assets = _assets(page)
    assert any(a.startswith("/static/vendor/bootstrap/bootstrap.min.") for a in assets), assets  # hashed names
    assert {a: visitor.get(a)[0] for a in assets} == {a: 200 for a in assets}


def test_anonymous_pages_health_favicon_and_api_docs_answer_200(server):
    visitor = Visitor(server)
    for path in ("/guide/", "/accounts/login/", "/api/redoc/", "/api/docs/"):
        status, _, page = visitor.get(path)
        assert status == 200, (path, server.tail())
        assert not re.search(rb'(?:href|src)="(?:https?:)?//', page), path  # nothing from another host
    status, landed, icon = visitor.get("/favicon.ico", follow=True)
    assert status == 200 and landed.startswith("/static/favicon.") and icon[:4] == b"\0\0\1\0"
    status, _, body = visitor.get("/healthz")
    assert status == 200, body
    assert b'"status": "ok"' in body or b'"status":"ok"' in body


def test_health_fails_and_says_no_more_when_the_static_manifest_is_missing(deployment):
    """The failure this test was written for: no manifest (collectstatic failed or never ran), every
    HTML page a 500, and /healthz must not say ok."""
    empty = deployment.workdir / "no-static"
    empty.mkdir()
    broken = Server(deployment, env=dict(deployment.app_env, STATIC_ROOT=str(empty)), workers=1)
    try:
        status, _, _, body = broken.request("GET", "/healthz")
        assert status == 503, body
        assert b'"static": "error"' in body
        for secret in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL"):
            assert deployment.app_env[secret].encode() not in body
        assert str(empty).encode() not in body
        assert broken.request("GET", "/guide/")[0] == 500  # what the health check stands for
    finally:
        broken.stop()


# --- the application role ---------------------------------------------------------------------

@pytest.fixture
def as_app(deployment):
    conn = _connect(deployment.params, dbname=deployment.dbname, user=deployment.app_role,
                    password=deployment.app_password)
    try:
        yield conn.cursor()
    finally:
        conn.close()


def _refused(cur, sql: str) -> None:
    import psycopg2.errors

    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(sql)


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_accesslogentry"])
def test_the_app_role_cannot_truncate_the_audit_tables(as_app, table):
    _refused(as_app, f"TRUNCATE {table}")


def test_the_app_role_cannot_update_or_delete_access_log_rows(as_app):
    as_app.execute("INSERT INTO audit_accesslogentry (created_at, actor_label, object_type, object_id, section, "
                   "purpose, note, region_code, request_id) VALUES (now(), '', 'registry.person', '1', 'smoke', "
                   "'casework', '', '', '')")
    _refused(as_app, "UPDATE audit_accesslogentry SET purpose = 'review'")
    _refused(as_app, "DELETE FROM audit_accesslogentry")
    _refused(as_app, "ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_access_log_no_update")


def test_the_app_role_cannot_switch_off_the_append_only_trigger(as_app):
    _refused(as_app, "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
    _refused(as_app, "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    _refused(as_app, "SET session_replication_role = replica")
    _refused(as_app, "DROP TABLE audit_auditevent")


def test_the_app_role_cannot_update_or_delete_audit_rows(as_app):
    """Refused for want of the privilege (the trigger would refuse them too, with another error)."""
    as_app.execute("INSERT INTO audit_auditevent (created_at, actor_label, action, object_type, object_id, "
                   "region_code, request_id) VALUES (now(), '', 'smoke.probe', '', '', '', '')")
    _refused(as_app, "UPDATE audit_auditevent SET action = 'edited'")
    _refused(as_app, "DELETE FROM audit_auditevent")


def test_the_app_role_appends_audit_rows_and_writes_ordinary_tables(as_app):
    as_app.execute("INSERT INTO audit_auditevent (created_at, actor_label, action, object_type, object_id, "
                   "region_code, request_id) VALUES (now(), '', 'smoke.probe', '', '', '', '') RETURNING id")
    assert as_app.fetchone()[0]
    as_app.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'smoke.probe'")
    assert as_app.fetchone()[0] >= 1
    as_app.execute("UPDATE accounts_user SET first_name = first_name WHERE username = 'admin'")
    assert as_app.rowcount == 1
    _refused(as_app, "CREATE TABLE smoke_probe (id int)")
    _refused(as_app, "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")


def test_a_table_a_later_migrate_adds_is_usable_by_the_app_role(deployment, as_app):
    """The default privileges grant_app_role sets: the owner's new tables are the app's to use."""
    owner = _connect(deployment.params, dbname=deployment.dbname)
    try:
        with owner.cursor() as cur:
            cur.execute("CREATE TABLE smoke_later (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, t text)")
        as_app.execute("INSERT INTO smoke_later (t) VALUES ('x') RETURNING id")
        assert as_app.fetchone()[0] == 1
        as_app.execute("DELETE FROM smoke_later")
        _refused(as_app, "TRUNCATE smoke_later")
    finally:
        with owner.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS smoke_later")
        owner.close()
