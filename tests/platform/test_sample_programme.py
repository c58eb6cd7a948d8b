"""A new programme plugs in without a platform change.

``tests/sampleprogramme`` (installed for the tests only, by tests/settings.py) registers one of
everything a programme can register, from its ``AppConfig.ready()``. These tests look for it
where a user, a caseworker or an operator would: the top bar, the home pages, the API root and
schema, the demo, the audit filter, the beat schedule, the worklist. No file of the platform
names it (the last test).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from rest_framework.test import APIClient

from civilaffairs import celery_app, programmes
from civilaffairs.audit.admin import ActionAreaFilter
from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist.models import ItemStatus
from civilaffairs.worklist.services import workitem_raise, workitem_transition
from civilaffairs.worklist.sources import close_url_for
from tests.sampleprogramme import apps as sample_apps, reg_nav, reg_worklist
from tests.conftest import reseed_migration_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def nav_links(client, path="/guide/") -> list[tuple[str, str]]:
    """The top bar's links as (text, href), in order."""
    html = client.get(path, follow=True).content.decode()
    bar = html[html.index('id="mainNav"'):html.index('<ul class="navbar-nav">')]
    return [(text.strip(), href) for href, text in re.findall(r'<a class="nav-link" href="([^"]+)">([^<]+)</a>', bar)]


def test_every_registration_module_is_registered_by_the_app():
    names = [m.__name__.rsplit(".", 1)[1] for m in sample_apps.registration_modules()]
    assert names == ["reg_api", "reg_audit", "reg_beat", "reg_capabilities", "reg_dashboards", "reg_demo",
                     "reg_entitlements", "reg_guide", "reg_nav", "reg_notifications", "reg_payments", "reg_person_file", "reg_programme",
                     "reg_resident", "reg_worklist"]
    assert "sample" in [p.key for p in programmes.programmes()]
    assert "sample/" in [u.key for u in programmes.url_includes()]


# --- navigation and home pages ---------------------------------------------------------------

def test_the_staff_entry_shows_for_staff_holding_the_capability_only(client, city_admin, grid_worker):
    client.force_login(city_admin)
    links = nav_links(client)
    assert (reg_nav.STAFF_LABEL, "/sample/") in links
    texts = [t for t, _ in links]
    assert texts.index("社会救助") < texts.index(reg_nav.STAFF_LABEL) < texts.index("政策指南")
    assert (reg_nav.RESIDENT_LABEL, "/sample/mine/") not in links
    client.force_login(grid_worker)  # a caseworker without the audit capability
    assert reg_nav.STAFF_LABEL not in [t for t, _ in nav_links(client)]


def test_the_resident_entry_shows_for_residents_only(client, resident, grid_worker, data_provider):
    assert [t for t, _ in nav_links(client)] == ["首页", "政策指南"]  # nobody signed in
    client.force_login(resident)
    links = nav_links(client)
    assert links == [("首页", "/"), ("我的家庭", "/me/"), ("社会救助", "/assistance/mine/"),
                     (reg_nav.RESIDENT_LABEL, "/sample/mine/"), ("政策指南", "/guide/")]
    client.force_login(data_provider)
    assert [t for t, _ in nav_links(client)] == ["首页", "部门数据报送", "政策指南"]


def test_the_platform_nav_is_unchanged_for_a_caseworker(client, grid_worker):
    client.force_login(grid_worker)
    assert nav_links(client) == [("首页", "/"), ("待办事项", "/worklist/"), ("家庭档案", "/registry/households/"),
                                 ("社会救助", "/assistance/applications/"),
                                 # elder care's entries (老年人, 养老津贴补贴, 我的巡访, 设备告警) come with its app
                                 ("老年人", "/eldercare/elders/"), ("养老津贴补贴", "/eldercare/allowances/"),
                                 ("我的巡访", "/eldercare/visits/due/"), ("设备告警", "/eldercare/alarms/"),
                                 ("机构", "/organisations/"),
                                 ("数据看板", "/dashboards/"),
                                 ("政策指南", "/guide/")]


def test_home_cards_show_on_their_role_home(client, grid_worker, resident):
    client.force_login(grid_worker)
    caseworker_home = client.get("/", follow=True).content.decode()
    assert reg_nav.STAFF_CARD in caseworker_home and 'href="/sample/"' in caseworker_home
    assert "救助申请" in caseworker_home  # assistance's card, registered the same way
    assert reg_nav.RESIDENT_CARD not in caseworker_home
    client.force_login(resident)
    resident_home = client.get("/", follow=True).content.decode()
    assert reg_nav.RESIDENT_CARD in resident_home and reg_nav.STAFF_CARD not in resident_home
    assert "样例业务办理情况" in resident_home  # the registered resident section, with the household
    assert client.get("/sample/mine/").content.decode() == "我的样例业务"


def test_an_unregistered_card_and_entry_are_gone(client, grid_worker):
    reg_nav.unregister()
    try:
        client.force_login(grid_worker)
        assert reg_nav.STAFF_CARD not in client.get("/", follow=True).content.decode()
        assert programmes.home_cards(audience=programmes.Audience.STAFF, user=grid_worker)
    finally:
        reg_nav.register()
    assert reg_nav.STAFF_CARD in client.get("/", follow=True).content.decode()


# --- API -------------------------------------------------------------------------------------

def test_the_api_root_and_the_programme_prefix(grid_worker):
    api = APIClient()
    api.force_authenticate(grid_worker)
    root = api.get("/api/v1/").json()
    assert root["sample/things"].endswith("/api/v1/sample/things/")
    assert root["assistance/applications"].endswith("/api/v1/assistance/applications/")
    assert api.get("/api/v1/sample/things/").json() == [{"code": "s-1", "kind": "alpha"},
                                                        {"code": "s-2", "kind": "beta"}]
    assert api.get("/api/v1/sample/ping/").json() == {"code": "s-1", "kind": "alpha"}
    # The JSON catch-all still answers last, under a programme's prefix too.
    missing = api.get("/api/v1/sample/no-such-thing/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert APIClient().get("/api/v1/sample/things/").status_code == 401


def test_the_schema_lists_the_programme_with_its_named_choices(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/sample/things/" in schema["paths"]
    assert "/api/v1/sample/ping/" in schema["paths"]
    assert "SampleKindEnum" in schema["components"]["schemas"]
    # Assistance's names, registered by assistance (no longer in settings.py), are still applied.
    assert {"ApplicationStatusEnum", "PaymentRollStatusEnum"} <= set(schema["components"]["schemas"])
    assert "/api/v1/assistance/scoring/leads/" in schema["paths"]


# --- demo, audit, beat, worklist ---------------------------------------------------------------

def test_seed_demo_and_reset_run_the_registered_step(db):
    from civilaffairs.registry import demo

    reseed_migration_data()  # a transactional test before may have flushed the city
    demo.seed_demo(households=30, seed=3)
    platform = AuditEvent.objects.get(action="registry.demo_seeded")
    sample = AuditEvent.objects.get(action="sample.demo_seeded")
    assert sample.after["household_ids"] == platform.after["household_ids"]
    assert sample.after["home_community"] and sample.after["today"]
    demo.demo_reset()
    reset = AuditEvent.objects.get(action="sample.demo_reset")
    assert reset.after["household_ids"] == platform.after["household_ids"]
    # Before the platform removes the households the step's records point at.
    assert reset.pk < AuditEvent.objects.get(action="registry.demo_reset").pk


def test_the_audit_filter_offers_the_programme_area(admin_user):
    request = RequestFactory().get("/admin/audit/auditevent/")
    request.user = admin_user
    model_admin = admin.site._registry[AuditEvent]
    lookups = ActionAreaFilter(request, {}, AuditEvent, model_admin).lookups(request, model_admin)
    codes = [code for code, _ in lookups]
    assert codes == ["accounts", "registry", "worklist", "payments", "entitlements", "assistance", "eldercare",
                     "childwelfare", "charity", "sample"]
    assert dict(lookups)["sample"] == "样例业务"


def test_the_beat_schedule_has_the_platform_the_programmes_and_the_sample():
    schedule = celery_app.conf.beat_schedule
    tasks = {entry["task"] for entry in schedule.values()}
    assert {"worklist.escalate_overdue", "notifications.sweep_pending_sms", "accounts.login_records_purge",
            "payments.rolls_generate", "assistance.review_round_start", "assistance.phaseouts_expire",
            "entitlements.incremental_run",
            "entitlements.start_full_run", "entitlements.age_lines_mark", "sample.nightly"} <= tasks
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps' tasks
    assert "sample.nightly" in celery_app.tasks


def test_a_worklist_item_of_the_programme_closes_through_its_source(city, grid_worker):
    item, _ = workitem_raise(kind="sample", title="样例待办", region_code=city.community.pk,
                             subject_type=reg_worklist.SUBJECT_TYPE, subject_id="1")
    assert close_url_for(item) == f"/sample/?item={item.pk}"
    with pytest.raises(ValidationError):
        workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.DONE, outcome="办结",
                            resolution="refuse")
    item.refresh_from_db()
    assert item.status != ItemStatus.DONE
    workitem_transition(item_id=item.pk, actor=grid_worker, to_status=ItemStatus.DONE, outcome="办结")
    assert (item.pk, ItemStatus.DONE) in reg_worklist.CLOSED


def test_no_platform_file_names_the_sample_programme():
    words = ("sampleprogramme", "sample:", "样例业务", "/api/v1/sample")
    for folder in ("civilaffairs", "templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".html", ".js", ".txt", ".css"):
                text = path.read_text(encoding="utf-8", errors="ignore")
                assert not any(w in text for w in words), path
