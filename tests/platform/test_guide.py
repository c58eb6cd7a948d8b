"""The public policy guide built from registered entries: the registry, the index, one page per
policy with a QR code of its own address (drawn locally by segno), and the A4 poster."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation
import segno
from django.urls import reverse
from django.utils import timezone

from civilaffairs.portal.guide import (
    Figure,
    GuideEntry,
    guide_entries,
    guide_entry,
    register_guide_entry,
    unregister_guide_entry,
)
from civilaffairs.portal.qr import QR_ERROR_LEVEL
from civilaffairs.registry.services import parameter_set

pytestmark = pytest.mark.django_db

ASSISTANCE = ("dibao", "dibian", "tekun", "linshi")


def qr_matrix_from_svg(svg: str) -> list[list[int]]:
    """Read segno's inline SVG back into its module matrix: the path is rows of horizontal runs
    ("M x y" absolute start, "m dx dy" relative moves, "h n" a dark run of n modules)."""
    side = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    grid = [[0] * side for _ in range(side)]
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for i in range(int(a)):
                grid[int(y)][int(x) + i] = 1
            x += float(a)
    return grid


def expected_matrix(url: str) -> list[list[int]]:
    qr = segno.make(url, error=QR_ERROR_LEVEL, micro=False, boost_error=False)
    return [[1 if cell else 0 for cell in row] for row in qr.matrix_iter(border=4)]


def the_qr_svg(html: str) -> str:
    return re.search(r'<svg viewBox="[^"]+" class="qr-code">.*?</svg>', html, re.S).group(0)


def test_assistance_registers_its_four_policies_in_order_from_its_app():
    slugs = [e.slug for e in guide_entries()]
    assert [s for s in slugs if s in ASSISTANCE] == list(ASSISTANCE)
    for slug in ASSISTANCE:
        entry = guide_entry(slug)
        assert entry.programme == "assistance" and entry.assess is not None
        assert reverse(entry.apply_url_name) == "/assistance/apply/"
        with translation.override("zh-hans"):  # whatever language an earlier test left active
            assert "身份证" in [str(m) for m in entry.materials]


def test_a_slug_that_is_not_a_slug_or_is_the_self_check_is_refused():
    base = dict(programme="x", title="t", summary="s", who="w", benefit="b", figures=lambda **kw: [],
                materials=(), where="", how=(), apply_url_name="portal:home")
    for slug in ("self-check", "Bad Slug", "", "a/b"):
        with pytest.raises(ValueError):
            register_guide_entry(GuideEntry(slug=slug, **base))


def test_the_figures_are_the_dated_parameters_in_force_on_the_day(city):
    dibao = guide_entry("dibao")
    assert [f.value for f in dibao.figures(region_code="3302", on=dt.date(2024, 1, 1))] == [
        Decimal("1135"), Decimal("1135") * 12 * 2]  # the standard; 2 × the annual standard of assets
    parameter_set(actor=None, key="dibao_standard", region_code="3302", value=Decimal("1200"),
                  effective_from=dt.date(2025, 1, 1))
    assert dibao.figures(region_code="3302", on=dt.date(2024, 12, 31))[0].value == Decimal("1135")
    assert dibao.figures(region_code="3302", on=dt.date(2025, 1, 1))[0].value == Decimal("1200")
    assert dibao.figures(region_code="3302", on=dt.date(2022, 1, 1))[0].value is None  # before any value


def test_the_index_lists_every_policy_with_a_link_to_its_page_and_poster(client, city):
    html = client.get(reverse("portal:policy_guide")).content.decode()
    for slug in ASSISTANCE:
        assert f'href="{reverse("portal:guide_entry", args=[slug])}"' in html
        assert f'href="{reverse("portal:guide_poster", args=[slug])}"' in html
    assert reverse("portal:guide_self_check") in html
    assert "社会救助政策指南" in html  # assistance's section heading


def test_a_policy_page_says_who_qualifies_what_to_bring_where_to_go_and_links_to_apply(client, city):
    r = client.get(reverse("portal:guide_entry", args=["dibao"]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "最低生活保障（低保）" in html
    assert 'policy-amount">1,135<' in html and 'policy-amount">27,240<' in html
    for material in ("身份证", "户口簿", "收入证明"):
        assert f"<li>{material}</li>" in html
    assert "乡镇人民政府（街道办事处）" in html
    assert f'href="{reverse("assistance:apply")}"' in html


def test_a_policy_page_shows_the_districts_that_set_their_own_standard(client, city):
    parameter_set(actor=None, key="dibao_standard", region_code=city.district.code, value=Decimal("1250"),
                  effective_from=timezone.localdate() - dt.timedelta(days=1))
    html = client.get(reverse("portal:guide_entry", args=["dibao"])).content.decode()
    assert "以下区（县、市）执行本地标准" in html
    assert "<th scope=\"row\">海曙区</th><td>1,250 元/人·月</td>" in html
    assert "江北区" not in html.split("以下区（县、市）执行本地标准")[1].split("</table>")[0]


def test_an_unknown_policy_is_404(client, city):
    assert client.get("/guide/no-such-policy/").status_code == 404
    assert client.get("/guide/no-such-policy/poster/").status_code == 404


def test_the_qr_code_on_a_policy_page_encodes_the_pages_absolute_address(client, city):
    html = client.get(reverse("portal:guide_entry", args=["tekun"])).content.decode()
    svg = the_qr_svg(html)
    url = "http://testserver/guide/tekun/"
    assert qr_matrix_from_svg(svg) == expected_matrix(url)
    assert qr_matrix_from_svg(svg) != expected_matrix("http://testserver/guide/dibao/")
    assert "style=" not in svg and "<script" not in svg  # the Content-Security-Policy allows it
    assert url in html  # printed under the code for those who cannot scan


def test_the_qr_code_follows_the_host_the_site_is_served_under(client, city, settings):
    settings.ALLOWED_HOSTS = ["mz.example.gov.cn"]
    html = client.get("/guide/linshi/", HTTP_HOST="mz.example.gov.cn").content.decode()
    assert qr_matrix_from_svg(the_qr_svg(html)) == expected_matrix("http://mz.example.gov.cn/guide/linshi/")


def test_the_poster_is_an_a4_print_page_with_a_big_qr_code_title_and_how_to_apply(client, city):
    r = client.get(reverse("portal:guide_poster", args=["dibao"]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "portal/print.css" in html and "portal/guide.css" in html  # @page A4; the poster's layout
    assert '<h1 class="guide-poster-title">最低生活保障（低保）</h1>' in html
    assert "怎么申请" in html and "在网上申请" in html
    poster = html.split('class="guide-poster-qr"')[1]
    assert qr_matrix_from_svg(the_qr_svg(poster)) == expected_matrix("http://testserver/guide/dibao/")
    assert "data-print" in html


def test_the_posters_qr_code_is_at_least_8_cm_wide_when_printed():
    css = (__import__("pathlib").Path(__file__).parents[2] / "static/portal/guide.css").read_text()
    widths = re.findall(r"\.guide-poster-qr \{ width: (\d+)mm", css)
    assert widths and min(int(w) for w in widths) >= 80
    assert "size: A4" in (__import__("pathlib").Path(__file__).parents[2] / "static/portal/print.css").read_text()


def test_the_old_guide_address_and_anchors_still_work(client, city):
    r = client.get("/guide/")
    assert r.status_code == 200
    assert 'id="policy-dibao"' in r.content.decode()


def test_a_policy_registered_by_another_programme_appears_in_the_guide(client, city):
    register_guide_entry(GuideEntry(
        slug="test-allowance", programme="testprog", title="测试补贴", summary="测试用的补贴",
        who="测试对象", benefit="每月补贴", figures=lambda **kw: [Figure("补贴标准", Decimal("88"), "元/月")],
        materials=("测试证明",), where="测试窗口", how=("测试步骤",), apply_url_name="portal:home", order=500))
    try:
        assert "测试补贴" in client.get("/guide/").content.decode()
        html = client.get("/guide/test-allowance/").content.decode()
        assert 'policy-amount">88<' in html and "<li>测试证明</li>" in html
    finally:
        unregister_guide_entry("test-allowance")
    assert client.get("/guide/test-allowance/").status_code == 404


@pytest.mark.parametrize("url", ["/guide/", "/guide/dibao/", "/guide/dibao/poster/", "/guide/self-check/"])
def test_the_guide_pages_carry_no_inline_script_or_style(client, city, url):
    html = client.get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
    assert " style=" not in html and " onclick=" not in html, url
