"""Production mode refuses to start without its secrets, and passes check --deploy."""
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from civilaffairs.lib.crypto import generate_key, generate_secret_key

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "REPORT_SEAL_KEY", "DATABASE_URL",
           "REDIS_URL", "ALLOWED_HOSTS")


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items()
           if k not in SECRETS and k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({
        "DJANGO_ENV": "production",
        "SECRET_KEY": generate_secret_key(),
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


KEYS = ("FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "REPORT_SEAL_KEY")


def test_production_refuses_a_malformed_key_naming_it_and_never_echoing_it():
    for name, value in [("FIELD_ENCRYPTION_KEY", "abc"), ("BLIND_INDEX_KEY", "Zm9vYmFy-not-a-key-77qQ"),
                        ("REPORT_SEAL_KEY", generate_key()[:-2] + "!=")]:
        result = run_manage(production_env(**{name: value}), "check")
        assert result.returncode != 0, name
        assert "ImproperlyConfigured" in result.stderr and f"{name} must be 32 random bytes" in result.stderr, \
            result.stderr[-800:]
        assert "URL-safe base64" in result.stderr
        if len(value) > 3:  # "abc" may well appear in a traceback's paths
            assert value not in result.stderr + result.stdout, name


def test_a_key_is_32_bytes_of_base64_or_refused():
    import base64

    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from civilaffairs.envconf import decode_key

    good = generate_key()
    for value in (good, good.rstrip("="), base64.b64encode(os.urandom(32)).decode()):
        assert len(decode_key("BLIND_INDEX_KEY", value)) == 32
    for value in ("", "abc", good[:-2], good + "AAAA", good.replace("=", "!"), good + "\n", " " + good,
                  base64.urlsafe_b64encode(os.urandom(31)).decode(), base64.urlsafe_b64encode(os.urandom(33)).decode()):
        with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY must be 32 random bytes") as refused:
            decode_key("BLIND_INDEX_KEY", value)
        assert value.strip() == "" or value.strip() not in str(refused.value)


def test_development_refuses_a_malformed_key_too():
    env = production_env(DJANGO_ENV="development", FIELD_ENCRYPTION_KEY="abc")
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be 32 random bytes" in result.stderr


def test_the_generated_keys_are_what_django_and_start_up_accept():
    from django.core.checks.security.base import _check_secret_key

    from civilaffairs.envconf import decode_key

    assert _check_secret_key(generate_secret_key())  # W009 would not fire
    assert len(decode_key("FIELD_ENCRYPTION_KEY", generate_key())) == 32
    printed = subprocess.run([sys.executable, "-m", "civilaffairs.lib.crypto"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, check=True).stdout
    values = dict(line.split("=", 1) for line in printed.splitlines())
    assert set(values) == {"SECRET_KEY", *KEYS}
    assert _check_secret_key(values["SECRET_KEY"])
    assert len(set(values.values())) == 4
