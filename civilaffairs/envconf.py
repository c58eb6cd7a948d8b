"""Typed helpers for reading settings from the environment.

Production (``DJANGO_ENV=production``) must refuse to start when a secret is
missing; development falls back to clearly-marked insecure defaults so that
``make run`` works on a fresh machine with no environment variables.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(
                f"Environment variable {name} is required in production and is not set."
            )
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name} must be an integer, got {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


KEY_BYTES = 32
# 32 bytes are 43 base64 digits and one "=" (optional); URL-safe or standard alphabet.
_KEY_FORM = re.compile(r"[A-Za-z0-9_+/-]{43}=?")


def decode_key(name: str, value: str) -> bytes:
    """The 32 raw bytes of a base64-encoded key (``generate_key()``), or ImproperlyConfigured naming
    the variable and the expected form. The message never quotes the value: it is a secret."""
    raw = b""
    if isinstance(value, str) and _KEY_FORM.fullmatch(value):
        try:
            raw = base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_").rstrip("=") + "=")
        except (binascii.Error, ValueError):
            pass
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} must be {KEY_BYTES} random bytes in URL-safe base64 (44 characters ending in '=', "
            "as `python -m civilaffairs.lib.crypto` prints); the value set is not of that form."
        )
    return raw


def env_key(name: str, default: str, *, required: bool = False) -> str:
    """A 32-byte base64 key from the environment, checked at start-up (a malformed key would
    otherwise pass until the first ID number is encrypted or a report sealed)."""
    value = env_str(name, required=required)
    if value is None:
        return default
    decode_key(name, value)
    return value


def database_from_url(url: str) -> dict:
    """Parse ``postgres://user:pass@host:port/name?host=/socket/dir`` into Django's form.

    Supports the socket-directory ``?host=`` form that the embedded server reports.
    """
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a PostgreSQL URL, got scheme {parsed.scheme!r}.")
    query = parse_qs(parsed.query)
    host = unquote(parsed.hostname or "") or (query.get("host") or [""])[0]
    options = {k: v[0] for k, v in query.items() if k not in {"host"}}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "OPTIONS": options,
    }


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def email_from_env(*, production: bool, var_dir) -> dict:
    """Django's email settings from EMAIL_BACKEND / EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER /
    EMAIL_HOST_PASSWORD / EMAIL_USE_TLS / EMAIL_USE_SSL / EMAIL_TIMEOUT / DEFAULT_FROM_EMAIL.

    Development prints mail on the console (or writes files: EMAIL_BACKEND=…filebased…, under
    var/mail); tests get Django's locmem outbox. Production sends by SMTP when EMAIL_HOST is
    set; without it email notifications are off (``NOTIFICATIONS_EMAIL_ENABLED`` False: SMS
    and in-app only, README "Notifications"). An explicit EMAIL_BACKEND is always honoured."""
    host = env_str("EMAIL_HOST", "")
    backend = env_str("EMAIL_BACKEND") or (SMTP_BACKEND if production else
                                           "django.core.mail.backends.console.EmailBackend")
    use_tls, use_ssl = env_bool("EMAIL_USE_TLS", False), env_bool("EMAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on (STARTTLS or implicit TLS).")
    enabled = env_bool("NOTIFICATIONS_EMAIL_ENABLED", default=not (backend == SMTP_BACKEND and not host))
    if enabled and backend == SMTP_BACKEND and not host:
        raise ImproperlyConfigured("Email notifications need EMAIL_HOST (or NOTIFICATIONS_EMAIL_ENABLED=false "
                                   "for SMS and in-app only).")
    return {
        "EMAIL_BACKEND": backend,
        "EMAIL_HOST": host or "localhost",
        "EMAIL_PORT": env_int("EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": env_int("EMAIL_TIMEOUT", 10),
        "EMAIL_FILE_PATH": env_str("EMAIL_FILE_PATH", str(var_dir / "mail")),
        "DEFAULT_FROM_EMAIL": env_str("DEFAULT_FROM_EMAIL", "民政一体化服务平台 <noreply@localhost>"),
        "NOTIFICATIONS_EMAIL_ENABLED": enabled,
    }
