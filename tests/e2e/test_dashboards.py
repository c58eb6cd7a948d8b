"""The dashboard in a real browser, as a district user and as the city: every chart is drawn (its
canvas holds coloured pixels, not only the background and the axes), the figures each chart holds
equal its table's cells, a click on a bar opens the list behind it, the page logs no CSP violation,
and on a phone the charts stack above their tables without a sideways scroll."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.assistance import dashboard_data
from tests.e2e.test_phone import collect_csp_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUERY = "?month_from=2026-01&month_to=2026-03"

# Pixels of the chart's canvas that are neither background nor the grey of axes and labels: the
# bars, lines and slices themselves (ECharts' palette and our band colours are all saturated).
COLOURED_PIXELS = """el => {
  const canvas = el.querySelector('canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
  }
  return coloured;
}"""

CHART_FIGURES = """el => echarts.getInstanceByDom(el).getOption().series.map(
  s => s.data.map(d => (d !== null && typeof d === 'object') ? d.value : d))"""

TABLE_FIGURES = """table => {
  const rows = Array.from(table.querySelectorAll('tbody tr'));
  const columns = Math.max(0, ...rows.map(r => r.querySelectorAll('td[data-series]').length));
  return Array.from({length: columns}, (_, i) => rows.map(r => {
    const text = r.querySelector(`td[data-series="${i}"]`).textContent.trim().replace(/,/g, '');
    return text === '—' ? null : Number(text);
  }));
}"""


@pytest.fixture
def world(city, district_approver, city_admin):
    return dashboard_data.build(city)


def check_every_chart(page: Page) -> list[str]:
    """Assert every chart is drawn and holds its table's figures; return the indicators seen."""
    page.wait_for_function("document.querySelectorAll('[data-chart]').length === "
                           "document.querySelectorAll('[data-chart-ready]').length")
    seen = []
    charts = page.locator("[data-chart]")
    assert charts.count() > 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        name = chart.evaluate("el => el.closest('[data-indicator]').dataset.indicator")
        seen.append(name)
        assert chart.evaluate(COLOURED_PIXELS) > 40, f"{name}: the chart's canvas is blank"
        table = page.locator(f"table[data-table='{chart.get_attribute('data-chart')}']")
        drawn, tabled = chart.evaluate(CHART_FIGURES), table.evaluate(TABLE_FIGURES)
        assert drawn == tabled, name
        assert any(v for column in drawn for v in column if v), f"{name}: the chart holds no figure"
    return seen


def test_a_district_user_and_the_city_see_drawn_charts_that_equal_their_tables(live_server, page: Page, world):
    base = live_server.url
    violations = collect_csp_violations(page)
    sign_in(page, base, "district")
    page.goto(base + "/dashboards/" + QUERY)
    assert "海曙区数据看板" in page.content()
    seen = check_every_chart(page)
    assert "assistance.colour_bands" in seen and "assistance.funds_paid" in seen
    # The district's chart of colours has one bar per township: 测试街道 with 2 red, 1 yellow.
    colours = page.locator("[data-indicator='assistance.colour_bands'] [data-chart]")
    assert colours.evaluate(CHART_FIGURES) == [[2], [1], [0]]
    page.screenshot(path="/tmp/dashboard_district.png", full_page=True)

    page.context.clear_cookies()
    sign_in(page, base, "cityadmin")
    page.goto(base + "/dashboards/" + QUERY)
    assert "宁波市数据看板" in page.content()
    assert len(check_every_chart(page)) == len(seen)
    funds = page.locator("[data-indicator='assistance.funds_paid'] [data-chart]")
    assert funds.evaluate(CHART_FIGURES)[0] == [500.0, 300.25, 500.5]
    page.screenshot(path="/tmp/dashboard_city.png", full_page=True)
    page.locator("[data-indicator='assistance.recipients']").screenshot(path="/tmp/dashboard_city_recipients.png")
    assert not violations, violations


def test_a_click_on_a_bar_opens_the_list_behind_it(live_server, page: Page, world):
    base = live_server.url
    sign_in(page, base, "cityadmin")
    page.goto(base + "/dashboards/" + QUERY)
    chart = page.locator("[data-indicator='assistance.recipients'] [data-chart]")
    page.wait_for_selector("[data-indicator='assistance.recipients'] [data-chart-ready]")
    chart.scroll_into_view_if_needed()
    # The middle of 海曙区's 低保 bar (the first series), from the bar's own layout, in page coordinates.
    x, y = chart.evaluate("""el => {
      const chart = echarts.getInstanceByDom(el);
      const i = chart.getOption().xAxis[0].data.indexOf('海曙区');
      const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(i);
      const box = el.getBoundingClientRect();
      return [box.left + bar.x + bar.width / 2, box.top + bar.y + bar.height / 2];
    }""")
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url.endswith("/assistance/applications/?region=330203&programme=dibao&status=approved")


def test_on_a_phone_the_charts_stack_above_their_tables(live_server, page: Page, world):
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    sign_in(page, base, "district")
    page.goto(base + "/dashboards/" + QUERY)
    check_every_chart(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for card in page.locator("[data-indicator]").all():
        chart, table = card.locator("[data-chart]"), card.locator("table")
        if chart.count() == 0:
            continue
        chart_box, table_box = chart.bounding_box(), table.bounding_box()
        assert chart_box["width"] <= 390
        assert table_box["y"] >= chart_box["y"] + chart_box["height"] - 1
    page.screenshot(path="/tmp/dashboard_phone.png", full_page=True)
