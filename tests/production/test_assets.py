"""The static files production serves: complete for collectstatic, nothing loaded from outside."""
from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

STATIC = Path(settings.BASE_DIR) / "static"
EXTERNAL = re.compile(r"""(?:href|src)\s*=\s*["']?(?:https?:)?//""", re.I)


def test_every_source_map_a_vendored_file_names_is_there():
    """ManifestStaticFilesStorage follows sourceMappingURL comments: a missing map fails collectstatic."""
    missing = []
    for path in STATIC.rglob("*"):
        if path.suffix not in (".js", ".css"):
            continue
        for target in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(encoding="utf-8", errors="replace")):
            if not (path.parent / target).exists():
                missing.append(f"{path.relative_to(STATIC)} → {target}")
    assert missing == []


def test_favicon_ico_leads_to_the_icon_file(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    icon = Path(finders.find("favicon.ico")).read_bytes()
    assert icon[:4] == b"\0\0\1\0"  # an ICO directory
    assert int.from_bytes(icon[4:6], "little") >= 2  # 16 and 32 px at least


def test_every_page_links_the_icon(client, db):
    html = client.get("/guide/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico">' in html


def test_redoc_loads_nothing_from_another_host(client, db):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "redoc.standalone.js" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html


def test_swagger_ui_loads_nothing_from_another_host(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert not EXTERNAL.search(response.content.decode())
