"""Production mode refuses to start without its secrets, and passes check --deploy."""
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from civilaffairs.lib.crypto import generate_key

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "REPORT_SEAL_KEY", "DATABASE_URL",
           "REDIS_URL", "ALLOWED_HOSTS")


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items()
           if k not in SECRETS and k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 20 + generate_key(),
        "FIELD_ENCRYPTION_KEY": generate_key(),
        "BLIND_INDEX_KEY": generate_key(),
        "REPORT_SEAL_KEY": generate_key(),
        "DATABASE_URL": "postgres://civil:pw@db.internal:5432/civilaffairs",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "ALLOWED_HOSTS": "mz.example.gov.cn",
    })
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_production_refuses_to_start_without_each_secret():
    for name in SECRETS:
        result = run_manage(production_env(**{name: None}), "check")
        assert result.returncode != 0, name
        assert name in result.stderr, (name, result.stderr[-500:])


def test_production_refuses_debug():
    result = run_manage(production_env(DJANGO_DEBUG="1"), "check")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_production_passes_check_deploy_cleanly():
    result = run_manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_field_key_is_not_the_secret_key():
    assert settings.FIELD_ENCRYPTION_KEY != settings.SECRET_KEY
    assert settings.BLIND_INDEX_KEY != settings.SECRET_KEY


def test_production_reads_sessions_from_the_shared_cache():
    show = ("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)")
    result = run_manage(production_env(), *show)
    assert result.stdout.strip() == "django.contrib.sessions.backends.cached_db", result.stderr[-500:]
    # Without Redis the cache is per process: one worker would keep a session another signed out.
    result = run_manage(production_env(DJANGO_ENV="development", REDIS_URL=None), *show)
    assert result.stdout.strip() == "django.contrib.sessions.backends.db", result.stderr[-500:]
