

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_database_broker_and_static_files(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "static": "ok"}}


def test_health_answers_503_when_the_static_manifest_is_missing(client, db, settings, tmp_path):
    """Production's manifest storage without collectstatic: every page is a 500, so health is not ok."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    settings.DEBUG = False
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "broker": "ok", "static": "error"}}
    assert str(tmp_path) not in response.content.decode() and "bootstrap" not in response.content.decode()


def test_health_checks_each_static_file_the_layout_links():
    from civilaffairs.portal.health import layout_static_names

    names = layout_static_names()
    assert {"vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js",
            "vendor/htmx/htmx.min.js", "portal/portal.css", "portal/portal.js", "favicon.ico"} <= set(names)


def test_health_answers_503_and_names_no_server_when_the_database_is_unreachable():
    """A separate process: its DATABASE_URL points at a closed port (the suite's connection stays up)."""
    url = "postgres://civil:s3cret-pw@127.0.0.1:1/civilaffairs"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ENV", "DATABASE_URL")}
    env["DATABASE_URL"] = url
    script = ("from django.test import Client; r = Client().get('/healthz'); "
              "print(r.status_code); print(r.content.decode())")
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    status, body = (result.stdout.strip().split("\n", 1) + [""])[:2]
    assert status == "503", result.stdout + result.stderr[-2000:]
    assert '"database": "error"' in body
    assert "s3cret" not in body and "127.0.0.1" not in body and "civil" not in body


def test_health_answers_503_when_the_broker_is_down(client, db, settings):
    from civilaffairs.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert "127.0.0.1" not in response.content.decode()


def test_every_response_carries_a_request_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef123456")
    assert response["X-Request-ID"] == "abcdef123456"
