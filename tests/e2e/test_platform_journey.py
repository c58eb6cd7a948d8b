"""The issue's acceptance journey in a real browser: sign in through the form,
see only your own jurisdiction with ID numbers masked, 404 across districts,
and a resident signing in with their phone number."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civilaffairs.worklist.models import Priority
from civilaffairs.worklist.services import workitem_raise
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


LARGE_TEXT = re.compile(r"\blarge-text\b")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名 / 手机号 / 身份证号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_a_grid_worker_sees_only_their_community_with_masked_id_numbers(
        live_server, page: Page, grid_worker, home_household, other_household, city):
    now = timezone.now()
    workitem_raise(kind="visit", title="王小明户季度走访", region_code=city.community.code,
                   due_at=now + dt.timedelta(days=3))
    workitem_raise(kind="lead", title="主动发现线索核查：独居老人", region_code=city.community.code,
                   due_at=now - dt.timedelta(hours=6), priority=Priority.HIGH)
    workitem_raise(kind="visit", title="江北区走访", region_code=city.other_community.code)
    base = live_server.url
    sign_in(page, base, "grid")
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(page.get_by_text("已超期").first).to_be_visible()
    expect(page.get_by_text("江北区走访")).to_have_count(0)
    page.screenshot(path="/tmp/caseworker_home.png", full_page=True)

    page.get_by_role("link", name="家庭档案").first.click()
    expect(page.get_by_role("cell", name="王小明")).to_be_visible()
    expect(page.get_by_text("李四")).to_have_count(0)

    page.get_by_role("link", name="查看").first.click()
    head = home_household.head
    expect(page.get_by_text(head.id_number_masked)).to_be_visible()
    assert head.reveal_id_number() not in page.content()
    for membership in home_household.members.all():
        assert membership.person.reveal_id_number() not in page.content()
    page.screenshot(path="/tmp/household.png", full_page=True)


def test_a_worker_of_another_district_gets_404_for_the_same_household(
        live_server, page: Page, other_district_worker, home_household):
    base = live_server.url
    sign_in(page, base, "grid-other")
    response = page.goto(f"{base}/registry/households/{home_household.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    assert "王小明" not in page.content()


def test_a_resident_signs_in_with_their_phone_and_sees_only_their_household(
        live_server, page: Page, resident, home_household, other_household):
    base = live_server.url
    sign_in(page, base, "13800138000")
    expect(page.get_by_text("您还没有提交申请")).to_be_visible()
    expect(page.get_by_role("cell", name="王小明")).to_be_visible()
    assert home_household.head.reveal_id_number() not in page.content()
    page.screenshot(path="/tmp/resident_home.png", full_page=True)

    page.get_by_role("link", name="查看详情").click()
    expect(page.get_by_role("heading", name="王小明户")).to_be_visible()
    assert page.goto(f"{base}/registry/households/{other_household.pk}/").status == 404
    assert page.goto(f"{base}/registry/households/").status == 403


def test_large_text_mode_enlarges_the_page_and_is_remembered(live_server, page: Page, city):
    base = live_server.url
    page.goto(f"{base}/guide/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("body")).to_have_class(LARGE_TEXT)
    page.reload()
    expect(page.locator("body")).to_have_class(LARGE_TEXT)
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > normal
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/guide_phone_large.png", full_page=True)


def test_a_township_officer_reveals_one_id_number_after_confirming(
        live_server, page: Page, township_officer, home_household):
    from civilaffairs.audit.models import AuditEvent

    base = live_server.url
    sign_in(page, base, "township")
    page.goto(f"{base}/registry/households/{home_household.pk}/")
    head = home_household.head
    row = page.locator(f'tr[data-person-id="{head.pk}"]')
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="查看完整号码").click()
    expect(row.locator(".revealed-id")).to_have_text(head.reveal_id_number())
    assert AuditEvent.objects.filter(action="registry.id_revealed", actor=township_officer,
                                     object_id=str(head.pk)).count() == 1
    # The other members stay masked.
    for membership in home_household.members.exclude(person=head):
        assert membership.person.reveal_id_number() not in page.content()
