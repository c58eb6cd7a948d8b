"""On a 390 px phone the person file, its purpose form and the access log fit the screen, and a
township officer states a purpose and then reads the file, with no CSP violation on the way."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from civilaffairs.audit.models import AccessLogEntry
from tests.e2e.test_phone import PHONE, WIDE_ELEMENTS, collect_csp_violations, horizontal_overflow, sign_in
from tests.sampleprogramme import reg_person_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sample_section_absent():
    """The sample programme's sensitive section would add rows of its own to the log counted here."""
    reg_person_file.unregister()
    yield
    reg_person_file.register()


def _fits(page: Page, name: str) -> None:
    page.screenshot(path=f"/tmp/phone_person_{name}.png", full_page=True)
    assert horizontal_overflow(page) <= PHONE["width"], (name, page.evaluate(WIDE_ELEMENTS))


def test_the_person_file_and_the_access_log_fit_a_phone(live_server, page: Page, home_household, grid_worker,
                                                        township_officer, city_admin):
    page.set_viewport_size(PHONE)
    violations = collect_csp_violations(page)
    base = live_server.url
    head = home_household.head
    url = f"{base}/people/{head.pk}/"

    sign_in(page, base, "grid")
    page.goto(url)
    expect(page.get_by_role("heading", name=f"{head.name} · 个人档案")).to_be_visible()
    _fits(page, "grid")

    sign_in(page, base, "township")
    page.goto(url)
    expect(page.get_by_role("heading", name="请说明查阅目的")).to_be_visible()
    _fits(page, "purpose")
    page.get_by_label("复核审批").check()
    page.get_by_role("button", name="确认并查看").click()
    expect(page.get_by_role("heading", name=f"{head.name} · 个人档案")).to_be_visible()
    expect(page.get_by_text("查阅目的：复核审批")).to_be_visible()
    _fits(page, "township")
    assert AccessLogEntry.objects.filter(actor=township_officer, purpose="review", section="person_file").count() == 1

    sign_in(page, base, "cityadmin")
    page.goto(f"{base}/audit/access-log/")
    expect(page.locator("tr.access-log-row")).to_have_count(2)
    _fits(page, "access_log")
    page.wait_for_load_state("networkidle")
    assert not violations, violations
