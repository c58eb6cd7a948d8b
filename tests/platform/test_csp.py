"""Content-Security-Policy on every page (django-csp, nonces, never 'unsafe-inline'), no
inline code left in the templates, and no cache keeps a signed-in person's pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict(response):
    directives = policy(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert directives["style-src"][0] == "'self'"
    return directives


def test_the_public_pages_carry_a_strict_policy(client, city):
    for url in (reverse("portal:policy_guide"), reverse("accounts:login")):
        assert_strict(client.get(url))


@pytest.mark.parametrize("persona, url", [
    ("resident", "portal:resident_home"),
    ("resident", "assistance:my_applications"),
    ("grid_worker", "portal:caseworker_home"),
    ("grid_worker", "registry:household_list"),
    ("township_officer", "assistance:application_list"),
    ("district_approver", "worklist:list"),
    ("data_provider", "portal:data_provider_home"),
    ("admin_user", "portal:admin_home"),
    ("admin_user", "admin:index"),
])
def test_each_roles_pages_carry_a_strict_policy(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))
    r = client.get(reverse(url))
    assert r.status_code == 200
    assert_strict(r)


def test_a_page_with_a_nonce_names_the_same_nonce_in_its_policy(client, city):
    """The Swagger page keeps drf-spectacular's inline script and style, with this request's nonce."""
    from tests import factories as f

    client.force_login(f.staff(username="docs", role="city_admin", region=city.city))
    r = client.get(reverse("api-docs"))
    assert r.status_code == 200
    directives = assert_strict(r)
    nonces = set(re.findall(r'nonce="([^"]+)"', r.content.decode()))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in directives["script-src"]


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*["']""", re.I)
HANDLER_ATTR = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
JS_URL = re.compile(r"""href\s*=\s*["']\s*javascript:""", re.I)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_STYLE, STYLE_ATTR, HANDLER_ATTR, JS_URL],
                         ids=["script-without-nonce", "style-without-nonce", "style-attribute",
                              "on-handler", "javascript-url"])
def test_no_template_has_inline_code_the_policy_would_block(pattern):
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_the_template_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script nonce="{{ request.csp_nonce }}">')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert INLINE_STYLE.search("<style>")
    assert STYLE_ATTR.search('<th style="width:18%">')
    assert HANDLER_ATTR.search('<button onclick="window.print()">')
    assert not HANDLER_ATTR.search('<button data-print>')


# --- Cache-Control ---------------------------------------------------------------

@pytest.mark.parametrize("persona, url", [
    ("resident", "portal:resident_home"),
    ("grid_worker", "registry:household_list"),
    ("township_officer", "assistance:application_list"),
    ("district_approver", "worklist:list"),
])
def test_signed_in_pages_are_never_stored(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))
    r = client.get(reverse(url))
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    assert "private" in r["Cache-Control"]


def test_api_responses_with_a_token_are_never_stored(client, grid_worker):
    from tests.factories import api_token

    r = client.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {api_token(grid_worker)}")
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]


def test_an_api_refusal_is_not_stored_either(client, city):
    r = client.get("/api/v1/households/")
    assert r.status_code == 401
    assert "no-store" in r["Cache-Control"]


def test_the_public_policy_guide_may_be_cached(client, city):
    r = client.get(reverse("portal:policy_guide"))
    assert "no-store" not in r.get("Cache-Control", "")


def test_only_the_redoc_page_may_use_inline_styles_and_never_inline_scripts(client, city):
    from tests import factories as f

    client.force_login(f.staff(username="docs", role="city_admin", region=city.city))
    r = client.get(reverse("api-redoc"))
    assert r.status_code == 200
    directives = policy(r)
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["worker-src"] == ["'self'", "blob:"]
    assert "'unsafe-inline'" not in client.get(reverse("api-docs"))["Content-Security-Policy"]
