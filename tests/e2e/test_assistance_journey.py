"""The issue's acceptance journey in a real browser: a resident applies online with an
upload → the township accepts → the economic verification report is sealed → the grid
worker records the home visit → the public notice period elapses → the district approves
→ the monthly payment roll holds the right amount → the resident sees "已批准" and it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assistance.models import ApplicationStatus
from civilaffairs.payments.models import PaymentRoll
from tests.assistance.conftest import PDF, PNG, elapse_notice, monthly_income
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXPECTED = "1905.00"  # 1135 × 3 people − 1500


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名 / 手机号 / 身份证号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def act(page: Page, name: str, fields: dict | None = None, files: dict | None = None) -> None:
    """Open the action card ``name`` on the application page, fill it and submit."""
    card = page.locator(f"#action-{name}")
    if card.get_attribute("open") is None:
        card.locator("summary").click()
    for label, value in (fields or {}).items():
        card.get_by_label(label).fill(value)
    for label, path in (files or {}).items():
        card.get_by_label(label).set_input_files(path)
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_the_whole_journey_from_online_application_to_the_monthly_roll(
        live_server, page: Page, resident, home_household, grid_worker, township_officer, district_approver,
        tmp_path):
    monthly_income(home_household.head, "1500.00")
    upload = tmp_path / "身份证.pdf"
    upload.write_bytes(PDF)
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG)
    base = live_server.url

    # The resident applies online.
    sign_in(page, base, "resident")
    page.get_by_role("link", name="网上申请救助").click()
    page.get_by_label("最低生活保障（低保）").check()
    page.get_by_label("申请理由").fill("家中只有我一人有收入，两个孩子上学，生活困难。")
    page.get_by_role("button", name="保存并下一步").click()
    expect(page.get_by_text("第二步：填写每位家庭成员的收入和情况")).to_be_visible()
    page.locator("#id_m-0-declared_monthly_income").fill("1500")
    # Work ability is asked, never pre-ticked: the head works, the two children do not.
    for index, answer in ((0, "yes"), (1, "no"), (2, "no")):
        page.locator(f'input[name="m-{index}-can_work"][value="{answer}"]').check()
    page.get_by_role("button", name="保存并下一步").click()
    page.get_by_label("材料类别").select_option("id_card")
    page.get_by_label("文件（PDF、JPG 或 PNG）").set_input_files(str(upload))
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("cell", name="身份证.pdf")).to_be_visible()
    page.get_by_role("link", name="下一步：确认并提交").click()
    expect(page.get_by_text("人均月收入 500.00 元低于 1135 元的低保标准")).to_be_visible()
    page.screenshot(path="/tmp/assistance_review.png", full_page=True)
    page.get_by_role("button", name="确认提交申请").click()
    expect(page.get_by_text("已提交，待受理").first).to_be_visible()
    app = home_household.applications.get()
    assert app.status == ApplicationStatus.SUBMITTED
    detail = f"{base}/assistance/applications/{app.pk}/"

    # The township accepts and runs the economic verification.
    sign_in(page, base, "township")
    page.goto(f"{base}/assistance/applications/")
    page.screenshot(path="/tmp/assistance_list.png", full_page=True)
    page.get_by_role("link", name="办理").first.click()
    act(page, "accept")
    expect(page.get_by_text("已受理。")).to_be_visible()
    act(page, "verify")
    expect(page.get_by_text("已生成并签章")).to_be_visible()
    page.get_by_role("link", name="查看/打印").click()
    expect(page.get_by_text("签章验证：有效")).to_be_visible()
    expect(page.get_by_role("heading", name="家庭经济状况核对报告")).to_be_visible()
    page.screenshot(path="/tmp/assistance_report.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/assistance_report_print.png", full_page=True)
    page.emulate_media(media="screen")

    # The grid worker records the home visit with a photo.
    sign_in(page, base, "grid")
    page.goto(detail)
    act(page, "record_visit", {"调查人员": "网格员 陈红", "调查情况": "房屋老旧，家具简陋，孩子在读初中。",
                               "调查意见": "建议纳入低保"}, files={"现场照片（可多张，JPG/PNG/PDF）": str(photo)})
    expect(page.get_by_text("入户调查已记录。")).to_be_visible()

    # The township posts the notice today. A notice may not be backdated, and it closes only
    # when its 7 days have passed since posting: closing at once is refused; the test then
    # lets ten days pass (moves the notice and the events back) instead of waiting a week.
    sign_in(page, base, "township")
    page.goto(detail)
    act(page, "start_notice", {"公示开始日期（默认今天）": timezone.localdate().isoformat()})
    expect(page.get_by_text("已发布公示")).to_be_visible()
    elapse_notice(app)
    page.goto(detail)
    act(page, "close_notice")
    expect(page.get_by_text("公示期满，已报区县审批。")).to_be_visible()

    # The district sees the arithmetic and approves.
    sign_in(page, base, "district")
    page.goto(detail)
    expect(page.get_by_text(f"1135.00 × 3 人 − 家庭月收入 1500.00 = {EXPECTED} 元/月")).to_be_visible()
    page.screenshot(path="/tmp/assistance_approve.png", full_page=True)
    act(page, "approve", {"办理意见（可不填）": "同意纳入低保"})
    expect(page.get_by_text("已批准，救助待遇自本月起生效。")).to_be_visible()

    # The district generates this month's roll on the page: it holds the amount.
    page.goto(f"{base}/payments/rolls/")
    page.get_by_role("button", name="生成名册").click()
    expect(page.get_by_text("名册已生成，新增 1 笔。")).to_be_visible()
    row = page.locator("tr[data-payment]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(EXPECTED)
    expect(row).to_contain_text("王小明")
    page.screenshot(path="/tmp/assistance_roll.png", full_page=True)
    roll = PaymentRoll.objects.get()
    assert roll.lines.get().amount == Decimal(EXPECTED)
    page.goto(f"{base}/assistance/households/{home_household.pk}/")
    expect(page.get_by_role("heading", name="王小明户 · 救助全景")).to_be_visible()
    page.screenshot(path="/tmp/assistance_household_360.png", full_page=True)

    # The resident sees the approval and the amount, and the letter with the arithmetic.
    sign_in(page, base, "resident")
    page.get_by_role("link", name="社会救助").first.click()
    page.get_by_role("link", name="查看").first.click()
    expect(page.get_by_text("已批准").first).to_be_visible()
    expect(page.locator(".amount-big")).to_have_text(EXPECTED)
    page.screenshot(path="/tmp/assistance_resident_approved.png", full_page=True)
    page.get_by_role("link", name="查看审批决定书").click()
    expect(page.get_by_text(f"= {EXPECTED} 元/月")).to_be_visible()
    page.screenshot(path="/tmp/assistance_letter.png", full_page=True)
