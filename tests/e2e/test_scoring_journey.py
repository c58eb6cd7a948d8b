"""The scoring engine's acceptance journey in a real browser (issue 4): with demo data
loaded and a re-scoring run, the grid worker's worklist shows a discovery lead → the
lead explains its score dimension by dimension in Chinese → one click starts an
application for the household, filed as proactive → the worker records "included"
(纳入救助) → the lead is closed and leaves the worklist. A grid worker of another
community gets 404 on the lead."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from assistance.models import Application, Programme
from assistance.scoring import selectors
from assistance.scoring.models import Lead
from civilaffairs.registry import demo
from civilaffairs.worklist.selectors import worklist_for_user
from tests.assistance.scoring.conftest import ensure_model

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DIMENSIONS = ("收入", "支出", "资产", "健康", "结构", "就业")


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名 / 手机号 / 身份证号").fill(username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.fixture
def demo_city():
    """The demo city at a small size, scored the way an operator would after loading it."""
    ensure_model()
    demo.seed_demo(households=200)
    call_command("scoring_run", stdout=io.StringIO())
    return get_user_model().objects.get(username="demo-grid")


def open_lead_from_the_worklist(page: Page, base: str, title: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="前往办理").first.click()
    page.wait_for_load_state()


def test_the_grid_worker_finds_verifies_and_includes_a_discovery_lead(live_server, page: Page, demo_city):
    grid = demo_city
    item = worklist_for_user(user=grid).filter(kind="scoring.discovery").first()
    assert item is not None, "the demo city should give demo-grid's community at least one discovery lead"
    lead = Lead.objects.get(pk=item.subject_id)
    score = selectors.score_for_household(household_id=lead.household_id)
    base = live_server.url

    # The worklist shows the lead; its item leads to the lead page.
    sign_in(page, base, "demo-grid")
    page.goto(f"{base}/")
    expect(page.get_by_role("link", name=item.title)).to_be_visible()
    open_lead_from_the_worklist(page, base, item.title)
    expect(page.get_by_role("heading", name=f"主动发现：{lead.household}")).to_be_visible()

    # Why: the verdict and one line per dimension, in Chinese.
    expect(page.get_by_text("为什么生成这条线索")).to_be_visible()
    expect(page.get_by_text(f"困难指数 {score.difficulty_index}，红色").first).to_be_visible()
    for label in DIMENSIONS:
        expect(page.get_by_role("rowheader", name=label, exact=True)).to_be_visible()
    expect(page.get_by_text(f"人均月收入 {score.per_capita_income} 元").first).to_be_visible()
    expect(page.get_by_text("每人次 40 分").first).to_be_visible()
    page.screenshot(path="/tmp/scoring_lead.png", full_page=True)

    # One click opens the on-behalf application, already filled in from the lead.
    page.get_by_role("link", name="从线索发起救助申请").click()
    expect(page.get_by_text("本申请来自主动发现线索")).to_be_visible()
    expect(page.get_by_label("申请渠道")).to_have_value("proactive")
    suggested = selectors.lead_application_initial(lead)["programmes"]
    for programme in suggested:
        expect(page.get_by_label(str(Programme(programme).label))).to_be_checked()
    expect(page.get_by_label("申请理由")).to_have_value(f"经大数据比对主动发现：{selectors.verdict(score)}")
    page.screenshot(path="/tmp/scoring_apply.png", full_page=True)
    page.get_by_role("button", name="保存并下一步").click()
    expect(page.get_by_text("申请草稿已保存")).to_be_visible()
    app = Application.objects.get(household=lead.household)
    assert (app.channel, app.created_by, sorted(app.programmes)) == ("proactive", grid, sorted(suggested))

    # Back on the lead (through the worklist): the application is listed; record "included".
    open_lead_from_the_worklist(page, base, item.title)
    expect(page.get_by_role("link", name=app.number)).to_be_visible()
    expect(page.get_by_role("link", name="从线索发起救助申请")).to_have_count(0)   # one at a time
    page.get_by_label("入户核实——已纳入救助").check()
    page.get_by_role("button", name="记录结果并办结线索").click()
    expect(page.get_by_text("核实结果“入户核实——已纳入救助”已记录，线索及其待办事项已办结。")).to_be_visible()
    expect(page.get_by_text("已办结（入户核实——已纳入救助）")).to_be_visible()
    expect(page.get_by_role("button", name="记录结果并办结线索")).to_have_count(0)
    page.screenshot(path="/tmp/scoring_lead_closed.png", full_page=True)
    lead.refresh_from_db()
    item.refresh_from_db()
    assert (lead.status, lead.outcome, lead.closed_by) == ("closed", "included", grid)
    assert item.status == "done"

    # The worklist no longer shows it; the closed leads list does.
    page.goto(f"{base}/")
    expect(page.get_by_role("link", name=item.title)).to_have_count(0)
    page.goto(f"{base}{reverse('scoring:lead_list')}?status=closed")
    expect(page.get_by_role("row").filter(has_text=str(lead.household))).to_contain_text("入户核实——已纳入救助")

    # A grid worker of another community: not found.
    sign_in(page, base, "demo-grid-other")
    response = page.goto(f"{base}{reverse('scoring:lead_detail', args=[lead.pk])}")
    assert response.status == 404
