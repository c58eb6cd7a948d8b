"""The staff page: rules with their candidates in the user's jurisdiction, and the runs."""
from __future__ import annotations

import datetime as dt

import pytest

from civilaffairs.entitlements import services as svc
from civilaffairs.entitlements.rules import DirtyReason
from tests.sampleprogramme import reg_entitlements as sample

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 12, 3)


@pytest.fixture
def found(city, elder_in):
    mine = elder_in(dt.date(1940, 1, 1))
    theirs = elder_in(dt.date(1941, 1, 1), community=city.other_community)
    svc.mark_dirty_persons([mine.pk, theirs.pk], DirtyReason.PERSON)
    svc.entitlement_incremental_run(on=ON)
    return mine, theirs


def test_a_township_officer_sees_the_candidates_of_their_township_only(client, township_officer, found):
    mine, theirs = found
    client.force_login(township_officer)
    index = client.get("/entitlements/").content.decode()
    assert "示例项目：高龄津贴" in index and "增量判定" in index
    page = client.get(f"/entitlements/rules/{sample.AGE80}/").content.decode()
    assert f"/people/{mine.pk}/" in page and f"/people/{theirs.pk}/" not in page
    assert "年满 80 周岁" in page


def test_the_city_sees_every_district(client, city_admin, found):
    mine, theirs = found
    client.force_login(city_admin)
    page = client.get(f"/entitlements/rules/{sample.AGE80}/?status=eligible").content.decode()
    assert f"/people/{mine.pk}/" in page and f"/people/{theirs.pk}/" in page
    assert client.get(f"/entitlements/rules/{sample.AGE80}/?status=lost").content.decode().count("/people/") == 0


def test_a_grid_worker_and_a_resident_are_refused(client, grid_worker, resident, found):
    for user in (grid_worker, resident):
        client.force_login(user)
        assert client.get("/entitlements/").status_code == 403
        assert client.get(f"/entitlements/rules/{sample.AGE80}/").status_code == 403


def test_an_unknown_rule_is_not_found(client, city_admin):
    client.force_login(city_admin)
    assert client.get("/entitlements/rules/nosuch.rule/").status_code == 404


def test_the_nav_entry_shows_for_holders_of_the_capability(client, township_officer, grid_worker):
    client.force_login(township_officer)
    assert 'href="/entitlements/"' in client.get("/guide/").content.decode()
    client.force_login(grid_worker)
    assert 'href="/entitlements/"' not in client.get("/guide/").content.decode()
