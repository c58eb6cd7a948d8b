"""The anonymous self-check in a real browser on a phone: fill the questions in, read which
programmes the household may qualify for and why, and follow "apply" through sign-in to the
application form. The answers go by POST: they never appear in the address."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def fill(page: Page, *, size: str, income: str, oldest: str, youngest: str, district: str = "海曙区",
         no_supporter: str = "否", child: str = "否") -> None:
    page.get_by_label("家庭共同生活的人口数").fill(size)
    page.get_by_label("全家每月总收入（元）").fill(income)
    page.get_by_label("家中年龄最大的成员几岁").fill(oldest)
    page.get_by_label("家中年龄最小的成员几岁").fill(youngest)
    page.get_by_label("家中残疾等级最重的成员").select_option(label="家中没有持证残疾人")
    page.locator("#fieldset-no_supporter").get_by_label(no_supporter, exact=True).check()
    page.locator("#fieldset-child_without_carer").get_by_label(child, exact=True).check()
    page.get_by_label("居住的区（县、市）").select_option(label=district)


def test_a_visitor_checks_what_they_may_apply_for_and_goes_on_to_apply(live_server, page: Page, resident):
    base = live_server.url
    page.set_viewport_size(PHONE)
    violations = csp_violations(page)
    page.goto(f"{base}/guide/")
    page.get_by_role("link", name="自助测评：我能申请什么？").click()
    expect(page.get_by_role("heading", name="自助测评：我能申请什么？")).to_be_visible()

    # A bad answer first: refused with a clear message, the other answers kept.
    fill(page, size="2", income="-5", oldest="45", youngest="12")
    page.get_by_role("button", name="查看测评结果").click()
    expect(page.get_by_text("收入不能是负数。")).to_be_visible()
    expect(page.get_by_label("家庭共同生活的人口数")).to_have_value("2")

    page.get_by_label("全家每月总收入（元）").fill("1700")
    page.get_by_role("button", name="查看测评结果").click()
    expect(page.get_by_role("heading", name="自助测评结果")).to_be_visible()
    assert page.url == f"{base}/guide/self-check/"  # nothing in the address
    assert "1700" not in page.url

    dibao = page.locator("#result-dibao")
    expect(dibao).to_have_attribute("data-outcome", "may")
    expect(dibao).to_contain_text("可能符合")
    expect(dibao).to_contain_text("家庭月人均收入 850 元（1,700 元 ÷ 2 人），低于本市低保标准 1,135 元。")
    expect(page.locator("#result-dibian")).to_have_attribute("data-outcome", "may_not")
    expect(page.locator("#result-tekun")).to_have_attribute("data-outcome", "may_not")
    expect(page.locator("#result-linshi")).to_have_attribute("data-outcome", "more_info")
    expect(page.locator("#result-dibian .apply-link")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="/tmp/self_check_result.png", full_page=True)

    # "Apply": sign in, then the application form.
    dibao.get_by_role("link", name="登录后申请").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/assistance/apply/$"))
    page.get_by_label("用户名 / 手机号 / 身份证号").fill(resident.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="网上申请社会救助（一件事）")).to_be_visible()
    assert page.url == f"{base}/assistance/apply/"
    assert violations == [], violations


def test_an_elder_living_alone_is_told_about_tekun_and_the_policy_page_has_its_qr_code(live_server, page: Page):
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/guide/self-check/")
    fill(page, size="1", income="600", oldest="78", youngest="78", district="江北区", no_supporter="是")
    page.get_by_role("button", name="查看测评结果").click()
    tekun = page.locator("#result-tekun")
    expect(tekun).to_have_attribute("data-outcome", "may")
    expect(tekun).to_contain_text("家中有78 岁的老人")
    expect(page.locator("#result-dibao")).to_have_attribute("data-outcome", "may")

    tekun.get_by_role("link", name="了解政策和材料").click()
    expect(page.get_by_role("heading", name="特困人员救助供养")).to_be_visible()
    qr = page.locator("figure.guide-qr svg.qr-code")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] > 100 and abs(box["width"] - box["height"]) < 1  # square, big enough to scan
    expect(page.get_by_text(f"{base}/guide/tekun/")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_poster_prints_on_a4_with_a_big_qr_code_and_no_site_chrome(live_server, page: Page):
    page.goto(f"{live_server.url}/guide/dibao/poster/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    expect(page.get_by_role("heading", name="最低生活保障（低保）")).to_be_visible()
    expect(page.locator(".gov-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印 / 另存为 PDF")).to_be_hidden()
    box = page.locator(".guide-poster-qr svg.qr-code").bounding_box()
    assert box["width"] >= 80 / 25.4 * 96 - 1  # at least 8 cm across on paper
    page.screenshot(path="/tmp/guide_poster.png", full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
