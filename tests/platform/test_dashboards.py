"""The dashboard page: who sees which level, the region and period filters (bounded, with Chinese
messages; a region outside the jurisdiction answers 404, never data), the cards (chart data, table,
empty state), the Excel exports (figures only, audited) and a programme appearing by registering."""
from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from civilaffairs.audit.models import AuditEvent
from civilaffairs.portal.dashboards import indicator_named, registered_indicators
from tests.assistance import dashboard_data
from tests.platform.test_csp import assert_strict
from tests.sampleprogramme import reg_dashboards

pytestmark = pytest.mark.django_db

URL = reverse("portal:dashboards")
PERIOD = {"month_from": "2026-01", "month_to": "2026-03"}


@pytest.fixture
def world(city):
    return dashboard_data.build(city)


@pytest.fixture(autouse=True)
def _sample_programme_absent():
    """The test settings install the sample programme (tests/sampleprogramme), whose app registers
    this on start; these tests count the registered programmes' figures, so they take it out and
    the ``sample_programme`` fixture brings it back."""
    reg_dashboards.unregister()
    yield
    reg_dashboards.register()


@pytest.fixture
def sample_programme():
    reg_dashboards.register()
    yield
    reg_dashboards.unregister()


def signed_in(client, user):
    client.force_login(user)
    return client


def chart_data(response) -> dict[str, dict]:
    """Each card's chart JSON (json_script), by indicator name."""
    out = {}
    for section in response.content.decode().split('<section class="card dashboard-card"')[1:]:
        name = re.search(r'data-indicator="([^"]+)"', section).group(1)
        block = re.search(r'<script id="[^"]+" type="application/json">(.*?)</script>', section, re.S)
        if block:
            out[name] = json.loads(block.group(1))
    return out


def sheet_rows(ws) -> list[list]:
    """A sheet's rows without the empty cells openpyxl pads them with."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def test_the_city_admin_opens_the_city_and_may_pick_each_district(client, world, city_admin):
    r = signed_in(client, city_admin).get(URL, PERIOD)
    assert r.status_code == 200
    page = r.content.decode()
    assert "宁波市数据看板" in page and "市级" in page
    assert all(f'<option value="{code}"' in page for code in ("3302", "330203", "330205", "330282"))
    haishu = signed_in(client, city_admin).get(URL, {**PERIOD, "region": "330203"})
    assert "海曙区数据看板" in haishu.content.decode() and "区县级" in haishu.content.decode()


def test_a_superuser_sees_the_city(client, world, admin_user):
    assert "宁波市数据看板" in signed_in(client, admin_user).get(URL).content.decode()


def test_a_district_user_opens_their_district_and_may_pick_only_its_townships(client, world, district_approver):
    r = signed_in(client, district_approver).get(URL, PERIOD)
    page = r.content.decode()
    assert "海曙区数据看板" in page
    assert re.findall(r'<option value="(\d+)"', page) == ["330203", "330203001"]


@pytest.mark.parametrize("region", ["330205", "3302", "330205001", "33", "999999", "3302'; --", "330203001001x"])
def test_a_district_user_asking_for_another_region_gets_404_not_figures(client, world, district_approver, region):
    r = signed_in(client, district_approver).get(URL, {**PERIOD, "region": region})
    assert r.status_code == 404
    assert "江北" not in r.content.decode()
    export = signed_in(client, district_approver).get(reverse("portal:dashboard_export"), {**PERIOD, "region": region})
    assert export.status_code == 404


def test_a_township_officer_gets_the_township_level(client, world, township_officer):
    page = signed_in(client, township_officer).get(URL, PERIOD).content.decode()
    assert "测试街道数据看板" in page and "乡镇（街道）级" in page
    assert "第一社区" in page and "第二社区" in page


def test_a_grid_worker_sees_their_community(client, world, grid_worker):
    page = signed_in(client, grid_worker).get(URL, PERIOD).content.decode()
    assert "第一社区数据看板" in page
    assert "第二社区" not in page


@pytest.mark.parametrize("persona", ["resident", "data_provider"])
def test_residents_and_data_providers_are_refused(client, world, request, persona):
    assert signed_in(client, request.getfixturevalue(persona)).get(URL).status_code == 403


def test_nobody_signed_in_is_sent_to_sign_in(client, world):
    r = client.get(URL)
    assert r.status_code == 302 and "/login/" in r["Location"]


@pytest.mark.parametrize("query, message", [
    ({"month_from": "2026-04", "month_to": "2026-03"}, "起始月份不能晚于截止月份。"),
    ({"month_from": "2026-13", "month_to": "2026-03"}, "请按“年-月”填写月份，例如 2026-03。"),
    ({"month_from": "2026", "month_to": "2026-03"}, "请按“年-月”填写月份"),
    ({"month_from": "0000-01", "month_to": "2026-03"}, "请按“年-月”填写月份"),
    ({"month_from": "2026-01\n", "month_to": "2026-03 ' OR 1=1"}, "请按“年-月”填写月份"),
    ({"month_from": "1999-12", "month_to": "2000-02"}, "月份不能早于 2000-01。"),
    ({"month_from": "2023-03", "month_to": "2026-03"}, "统计期间最长 36 个月，请缩短期间。"),
    ({"month_to": "2999-01"}, "月份不能晚于本月"),
])
def test_a_bad_period_is_refused_with_a_chinese_message_and_no_figures(client, world, city_admin, query, message):
    r = signed_in(client, city_admin).get(URL, query)
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page
    assert "data-chart=" not in page and "dashboard-table" not in page
    export = signed_in(client, city_admin).get(reverse("portal:dashboard_export"), query)
    assert export.status_code == 400 and message in export.content.decode()


def test_full_width_digits_typed_with_a_chinese_input_method_are_read(client, world, city_admin):
    r = signed_in(client, city_admin).get(URL, {"month_from": "２０２６-０１", "month_to": "2026-03"})
    assert r.status_code == 200
    assert 'value="2026-01"' in r.content.decode()


def test_the_longest_period_and_the_earliest_month_are_accepted(client, world, city_admin):
    assert signed_in(client, city_admin).get(URL, {"month_from": "2023-04", "month_to": "2026-03"}).status_code == 200
    assert signed_in(client, city_admin).get(URL, {"month_from": "2000-01", "month_to": "2000-01"}).status_code == 200


def test_without_a_period_the_last_twelve_months_are_shown(client, world, city_admin):
    from django.utils import timezone

    today = timezone.localdate()
    page = signed_in(client, city_admin).get(URL).content.decode()
    assert f'value="{today:%Y-%m}"' in page


def test_every_card_has_its_chart_data_and_a_table_with_the_same_figures(client, world, city_admin):
    r = signed_in(client, city_admin).get(URL, PERIOD)
    page = r.content.decode()
    charts = chart_data(r)
    assert set(charts) == {i.name for i in registered_indicators() if i.name.startswith("assistance.")}
    colours = charts["assistance.colour_bands"]
    haishu = colours["categories"].index("海曙区")
    assert [s["data"][haishu] for s in colours["series"]] == [2, 1, 0]
    assert [s["color"] for s in colours["series"]] == ["#c0392b", "#e6b800", "#2e8b57"]
    assert charts["assistance.funds_paid"]["series"][0]["data"] == [500.0, 300.25, 500.5]
    assert "<caption>救助资金发放（按月）（单位：元）</caption>" in page
    assert '<th scope="row">2026-02</th>' in page and ">300.25<" in page
    assert '<th scope="col" class="text-end">中位数</th>' in page
    days = charts["assistance.decision_days"]
    assert [s["name"] for s in days["series"]] == ["中位数", "平均数"]  # the count is the table's only
    assert_strict(r)
    assert "<script>" not in page  # nothing inline: json_script blocks and static files only


def visible_to(user):
    """The registered indicators ``user`` holds the capability of (what the page shows them)."""
    from civilaffairs.accounts.scoping import user_can

    return [i for i in registered_indicators() if user_can(user, i.capability)]


def test_a_period_without_data_shows_the_empty_state(client, world, city_admin):
    r = signed_in(client, city_admin).get(URL, {"month_from": "2020-01", "month_to": "2020-02"})
    page = r.content.decode()
    assert r.status_code == 200
    # every indicator the administrator may see but today's colours (elder care's weekly visit
    # rate, with no plan in this world, is empty too)
    assert page.count("所选区域和期间暂无数据。") == len(visible_to(city_admin)) - 1
    assert list(chart_data(r)) == ["assistance.colour_bands"]


def test_the_indicator_export_holds_the_tables_figures_and_is_audited(client, world, district_approver):
    r = signed_in(client, district_approver).get(
        reverse("portal:dashboard_indicator_export", args=["assistance.colour_bands"]), PERIOD)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert len(wb.sheetnames) == 1
    rows = sheet_rows(wb.active)
    assert rows[0] == ["困难家庭红黄绿分布"]
    assert rows[1][:2] == ["统计区域", "海曙区"]
    header = rows.index(["区域", "红色", "黄色", "绿色"])
    assert rows[header + 1:] == [["测试街道", 2, 1, 0]]
    event = AuditEvent.objects.filter(action="portal.dashboard_exported").get()
    assert event.actor == district_approver and event.region_code == "330203"
    assert event.after == {"indicators": ["assistance.colour_bands"], "region": "330203",
                           "month_from": "2026-01", "month_to": "2026-03"}


def test_the_whole_dashboard_export_has_a_sheet_per_card_and_no_personal_data(client, world, city_admin):
    r = signed_in(client, city_admin).get(reverse("portal:dashboard_export"), PERIOD)
    wb = load_workbook(io.BytesIO(r.content))
    assert len(wb.sheetnames) == len(visible_to(city_admin))
    funds = wb[[n for n in wb.sheetnames if "资金" in n][0]]
    values = sheet_rows(funds)
    assert ["2026-02", 300.25, 0, 0, 0] in values
    text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    for name in ("甲一", "乙二", "丙三", "丁四"):
        assert name not in text
    assert not re.search(r"\d{17}[\dX]", text)


def test_an_unknown_indicator_export_is_404(client, world, city_admin):
    r = signed_in(client, city_admin).get(reverse("portal:dashboard_indicator_export", args=["no.such"]), PERIOD)
    assert r.status_code == 404


def test_a_programme_appears_on_the_dashboard_by_registering_an_indicator(client, world, city_admin,
                                                                             sample_programme):
    assert indicator_named(reg_dashboards.NAME) is not None
    r = signed_in(client, city_admin).get(URL, PERIOD)
    charts = chart_data(r)
    sample = charts[reg_dashboards.NAME]
    assert sample["title"] == "样例项目：登记家庭数"
    # the hand-counted world has three households in 海曙区 and one in 江北区, plus the creator's none
    assert sample["series"][0]["data"][sample["categories"].index("海曙区")] == 3
    assert sample["series"][0]["data"][sample["categories"].index("江北区")] == 1
    assert "样例项目" in r.content.decode()


def test_an_unregistered_indicator_leaves_the_dashboard(client, world, city_admin):
    reg_dashboards.register()
    reg_dashboards.unregister()
    assert reg_dashboards.NAME not in chart_data(signed_in(client, city_admin).get(URL, PERIOD))


def test_an_indicator_needing_a_capability_shows_only_to_those_who_hold_it(client, world, city_admin,
                                                                           district_approver):
    from civilaffairs.accounts.roles import Capability
    from civilaffairs.portal.dashboards import Indicator, register_indicator, unregister_indicator

    register_indicator(Indicator(name="sampleprogramme.audit_only", title="审计员专用指标", unit="条", kind="bar",
                                 programme="样例项目", query=reg_dashboards.households,
                                 capability=Capability.VIEW_AUDIT))
    try:
        assert "sampleprogramme.audit_only" in chart_data(signed_in(client, city_admin).get(URL, PERIOD))
        page = signed_in(client, district_approver).get(URL, PERIOD)
        assert "审计员专用指标" not in page.content.decode()
        export = signed_in(client, district_approver).get(
            reverse("portal:dashboard_indicator_export", args=["sampleprogramme.audit_only"]), PERIOD)
        assert export.status_code == 404
    finally:
        unregister_indicator("sampleprogramme.audit_only")
