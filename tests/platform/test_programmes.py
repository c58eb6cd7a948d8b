"""The registries of civilaffairs.programmes: a registration replaces the one under its key,
listings come in order, an unregistered entry is gone, a wrong audience is refused."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civilaffairs import celery_app, programmes
from civilaffairs.programmes import Audience

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch():
    keys = []
    yield keys
    for key in keys:
        programmes.unregister_nav(key)
        programmes.unregister_audit_area(key)
        programmes.unregister_demo_step(key)
        programmes.unregister_beat(key)


def test_registering_again_replaces_and_listing_is_ordered(scratch):
    scratch += ["zz-a", "zz-b"]
    programmes.register_nav("zz-a", label="A", url_name="portal:home", order=1000)
    programmes.register_nav("zz-b", label="B", url_name="portal:home", order=999)
    programmes.register_nav("zz-a", label="A2", url_name="portal:home", order=998)
    ours = [(e.key, e.label) for e in programmes.nav_entries(AnonymousUser()) if e.key.startswith("zz-")]
    assert ours == [("zz-a", "A2"), ("zz-b", "B")]
    programmes.unregister_nav("zz-a")
    assert [e.key for e in programmes.nav_entries(None) if e.key.startswith("zz-")] == ["zz-b"]


def test_an_unknown_audience_or_prefix_is_refused():
    with pytest.raises(ValueError):
        programmes.register_nav("zz", label="x", url_name="portal:home", audience="facility")
    with pytest.raises(ValueError):
        programmes.register_urls("/zz/", "x.urls")


def test_nobody_signed_in_sees_only_the_public_entries(grid_worker):
    public = [e.key for e in programmes.nav_entries(AnonymousUser())]
    assert public == ["portal.home", "portal.policy_guide"]
    assert [e.key for e in programmes.nav_entries(grid_worker)] == [
        "portal.home", "worklist", "registry.households", "assistance.caseworker",
        "eldercare.elders", "eldercare.allowances",  # elder care: the elders, the allowance list (eldercare.view),
        "eldercare.visits_due", "eldercare.alarms",  # the grid worker's visits due and the alarms to handle
        "accounts.organisations", "portal.dashboards", "portal.policy_guide"]


def test_demo_steps_run_in_order_and_a_beat_entry_joins_the_schedule(scratch):
    scratch += ["zz-late", "zz-early"]
    programmes.register_demo_step("zz-late", order=10_000)
    programmes.register_demo_step("zz-early", order=-1)
    keys = [s.key for s in programmes.demo_steps()]
    assert keys[0] == "zz-early" and keys[-1] == "zz-late" and "assistance" in keys
    programmes.register_beat("zz-early", task="zz.task", schedule=60.0)
    assert celery_app.conf.beat_schedule["zz-early"] == {"task": "zz.task", "schedule": 60.0}
    assert "worklist-escalate-overdue" in celery_app.conf.beat_schedule  # the platform's stay
    programmes.unregister_beat("zz-early")
    assert "zz-early" not in celery_app.conf.beat_schedule
    assert "payments-rolls-monthly" in celery_app.conf.beat_schedule  # the platform's
    assert "assistance-review-round-quarterly" in celery_app.conf.beat_schedule  # a programme's
