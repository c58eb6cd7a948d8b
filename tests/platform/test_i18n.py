"""The English catalog: choosing English on the language switch really shows English,
and the default language stays Chinese."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def english(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    return client


def test_the_policy_guide_is_in_english_after_choosing_english(client, city):
    r = english(client).get("/", follow=True)
    html = r.content.decode()
    assert r.status_code == 200
    assert '<html lang="en">' in html
    assert "Social Assistance Policy Guide" in html
    assert "Who can apply" in html
    assert "Minimum Living Allowance (Dibao)" in html
    assert "Extreme-Poverty Support (Tekun)" in html
    assert "Temporary Assistance" in html
    assert "社会救助政策指南" not in html
    assert "谁可以申请" not in html


def test_the_sign_in_page_is_in_english_with_the_language_cookie(client, city):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in" in html
    assert "Staff sign in with their username" in html
    assert "Username / mobile number / ID number" in html  # the lazily translated form label
    assert "工作人员请使用用户名登录" not in html
    assert "忘记密码" not in html


def test_the_default_language_is_chinese(client, city):
    html = client.get("/", follow=True).content.decode()
    assert "社会救助政策指南" in html
    assert "Social Assistance Policy Guide" not in html
    login = client.get(reverse("accounts:login")).content.decode()
    assert "工作人员请使用用户名登录" in login
    assert "Staff sign in with their username" not in login


def test_the_compiled_catalog_is_committed_and_loaded():
    assert MO.exists(), "run: python manage.py compilemessages -l en --ignore=.venv"
    with translation.override("en"):
        assert translation.gettext("低保边缘家庭") == "Near-Dibao (marginal) household"
        assert translation.gettext("网格员") == "Grid worker"
    with translation.override("zh-hans"):
        assert translation.gettext("网格员") == "网格员"


def _entries(text: str):
    """(msgid, msgstr, flags) for every live entry of a .po file, without polib."""
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.strip().splitlines() if not ln.startswith("#~")]
        if not lines:
            continue
        flags = " ".join(ln for ln in lines if ln.startswith("#,"))
        parts: dict[str, str] = {}
        key = None
        for ln in lines:
            m = re.match(r'^(msgid|msgstr|msgctxt|msgid_plural|msgstr\[\d+\])\s+"(.*)"$', ln)
            if m:
                key = m.group(1)
                parts[key] = m.group(2)
            elif ln.startswith('"') and key:
                parts[key] += ln[1:-1]
        if parts.get("msgid"):
            yield parts["msgid"], parts.get("msgstr", parts.get("msgstr[0]", "")), flags


def test_every_string_in_the_english_catalog_is_translated_and_not_fuzzy():
    entries = list(_entries(PO.read_text(encoding="utf-8")))
    assert len(entries) > 1000
    untranslated = [i for i, s, _ in entries if not s]
    fuzzy = [i for i, _, fl in entries if "fuzzy" in fl]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]
    placeholder = re.compile(r"%\([^)]+\)[-+ #0-9.]*[a-zA-Z]|%[sd]")
    for msgid, msgstr, _ in entries:
        assert sorted(placeholder.findall(msgid)) == sorted(placeholder.findall(msgstr)), msgid
