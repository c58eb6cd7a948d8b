"""Health endpoint: what every page needs. 200 when the database and the broker answer and the
layout's static files resolve, 503 otherwise. Reports status words only, never connection strings,
file names or reasons (those go to the log)."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

_STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")


def _check_database() -> str:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        return "ok"
    except Exception:  # any failure is "down"; the reason goes to the log, not the response
        logger.warning("health: database check failed", exc_info=True)
        return "error"


def _check_broker() -> str:
    from civilaffairs.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        logger.warning("health: broker check failed", exc_info=True)
        return "error"


@lru_cache(maxsize=1)
def layout_static_names() -> tuple[str, ...]:
    """The static files the base layout links (every HTML page renders them)."""
    template = Path(settings.BASE_DIR) / "templates" / "base.html"
    return tuple(dict.fromkeys(_STATIC_TAG.findall(template.read_text(encoding="utf-8"))))


def _check_static() -> str:
    """With the manifest storage (production) a page whose layout names a file missing from the
    manifest is a 500: ask the manifest for each. Otherwise the files are served from the finders."""
    try:
        for name in layout_static_names():
            if isinstance(staticfiles_storage, ManifestFilesMixin):
                staticfiles_storage.url(name)  # ValueError when the manifest lacks it
            elif not finders.find(name):
                raise FileNotFoundError(name)
        return "ok"
    except Exception:
        logger.warning("health: static files check failed (run collectstatic?)", exc_info=True)
        return "error"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker(), "static": _check_static()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
