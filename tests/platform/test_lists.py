"""The household list at scale: a capped count shown as "N+", pages past the cap and past the end,
the list order, the head-name search rules, and a query count that does not grow with the page."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civilaffairs.lib import pagination
from civilaffairs.registry.models import Household, UrbanRural
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("registry:household_list")


def names(response) -> list[str]:
    return [h.head_name for h in response.context["page"].object_list]


@pytest.fixture
def three_households(city):
    return [f.household(community=city.community, head_name=name) for name in ("赵一", "钱二", "孙三")]


def test_the_count_beyond_the_cap_is_shown_as_the_cap_and_a_plus(client, grid_worker, three_households,
                                                                 monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr("civilaffairs.registry.views.PAGE_SIZE", 2)
    client.force_login(grid_worker)
    html = client.get(LIST).content.decode()
    assert "共 2+ 户" in html
    assert "共 3 户" not in html
    # No total and no "last page" while the total is unknown; "next" still leads on.
    assert "第 1 页" in html and "第 1 / " not in html
    assert "末页" not in html
    assert "page=2" in html


def test_the_exact_count_is_shown_below_the_cap(client, grid_worker, three_households):
    client.force_login(grid_worker)
    html = client.get(LIST).content.decode()
    assert "共 3 户" in html and "+ 户" not in html


def test_pages_past_the_cap_are_still_served(client, grid_worker, three_households, monkeypatch):
    monkeypatch.setattr("civilaffairs.registry.views.PAGE_SIZE", 1)
    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    client.force_login(grid_worker)
    pages = [names(client.get(LIST, {"page": n})) for n in (1, 2, 3)]
    assert pages == [["赵一"], ["钱二"], ["孙三"]]
    last = client.get(LIST, {"page": 3})
    assert not last.context["page"].has_next()
    assert "下一页" not in last.content.decode()


def test_a_page_past_the_end_is_an_empty_page_that_says_so(client, grid_worker, three_households):
    client.force_login(grid_worker)
    r = client.get(LIST, {"page": 9})
    assert r.status_code == 200
    html = r.content.decode()
    assert "第 9 页没有记录" in html
    assert "回到第一页" in html and "page=1" in html
    assert not r.context["page"].object_list


@pytest.mark.parametrize("page", ["abc", "0", "-3", "", "1.5"])
def test_a_page_number_that_is_not_a_positive_whole_number_is_the_first_page(client, grid_worker,
                                                                             three_households, page):
    client.force_login(grid_worker)
    r = client.get(LIST, {"page": page})
    assert r.status_code == 200
    assert r.context["page"].number == 1 and len(names(r)) == 3


def test_an_absurd_page_number_is_an_empty_page_not_an_error(client, grid_worker, three_households):
    client.force_login(grid_worker)
    r = client.get(LIST, {"page": str(10**30)})
    assert r.status_code == 200
    assert r.context["page"].past_the_end


def test_the_list_is_ordered_by_community_then_by_age_of_the_record(client, township_officer, city):
    later_home = f.household(community=city.neighbour, head_name="后二社区")
    first_home = f.household(community=city.community, head_name="先一社区")
    second_home = f.household(community=city.community, head_name="后一社区")
    client.force_login(township_officer)
    assert list(client.get(LIST).context["page"].object_list) == [first_home, second_home, later_home]


def test_each_row_links_to_its_household(client, grid_worker, three_households):
    client.force_login(grid_worker)
    html = client.get(LIST).content.decode()
    for household in three_households:
        assert f'href="{reverse("registry:household_detail", args=[household.pk])}"' in html


def test_the_rows_show_the_urban_or_rural_label(client, grid_worker, city):
    household = f.household(community=city.community, head_name="乡村户")
    Household.objects.filter(pk=household.pk).update(urban_rural=UrbanRural.RURAL)
    client.force_login(grid_worker)
    assert f"<td>{UrbanRural.RURAL.label}</td>" in client.get(LIST).content.decode()
    r = client.get(LIST, {"urban_rural": UrbanRural.RURAL})
    assert names(r) == ["乡村户"]
    assert names(client.get(LIST, {"urban_rural": UrbanRural.URBAN})) == []


@pytest.mark.parametrize("query, found", [
    ("欧", ["欧阳娜娜"]),           # one character: the start of the name (a surname)
    ("欧阳", ["欧阳娜娜"]),         # two: the start of the name
    ("阳娜娜", ["欧阳娜娜"]),       # three or more: anywhere in the name
    ("娜娜", []),                   # two characters inside a name are not searched (no index can serve them)
    ("王小明", ["王小明"]),
])
def test_the_head_name_search_rules(client, grid_worker, home_household, city, query, found):
    f.household(community=city.community, head_name="欧阳娜娜")
    client.force_login(grid_worker)
    assert names(client.get(LIST, {"q": query})) == found


def test_the_search_explains_its_rules(client, grid_worker, city):
    client.force_login(grid_worker)
    assert "一两个字按姓名开头查找" in client.get(LIST).content.decode()


def test_a_name_search_stays_inside_the_jurisdiction(client, grid_worker, city):
    f.household(community=city.neighbour, head_name="欧阳邻居")
    f.household(community=city.other_community, head_name="欧阳外区")
    client.force_login(grid_worker)
    assert names(client.get(LIST, {"q": "欧阳"})) == []
    assert names(client.get(LIST, {"q": "欧阳外区"})) == []


def test_the_query_count_does_not_grow_with_the_page(client, grid_worker, city, monkeypatch):
    monkeypatch.setattr("civilaffairs.registry.views.PAGE_SIZE", 2)
    for i in range(7):
        f.household(community=city.community, head_name=f"户主{i}")
    client.force_login(grid_worker)
    client.get(LIST)
    counts = []
    for page in (1, 2, 3, 4, 9):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, {"page": page}).status_code == 200
        counts.append(len(ctx.captured_queries))
    # Full pages count; the last page (4: one row) knows the total without counting.
    assert counts[0] == counts[1] == counts[2] == counts[4] and counts[3] == counts[0] - 1


def test_the_last_page_knows_its_total_without_counting(client, grid_worker, three_households, monkeypatch):
    monkeypatch.setattr("civilaffairs.registry.views.PAGE_SIZE", 2)
    client.force_login(grid_worker)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(LIST, {"page": 2}).content.decode()
    assert "共 3 户" in html and "第 2 / 2 页" in html
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as ctx:
        assert names(client.get(LIST, {"q": "赵一"})) == ["赵一"]
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_last_page_beyond_the_cap_still_shows_the_capped_count(client, grid_worker, three_households,
                                                                monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr("civilaffairs.registry.views.PAGE_SIZE", 2)
    client.force_login(grid_worker)
    html = client.get(LIST, {"page": 2}).content.decode()
    assert "共 2+ 户" in html and "末页" not in html and "孙三" in html


def test_the_api_lists_households_in_the_same_order(client, township_officer, city):
    later = f.household(community=city.neighbour, head_name="后二社区")
    first = f.household(community=city.community, head_name="先一社区")
    client.force_login(township_officer)
    r = client.get("/api/v1/households/")
    assert r.status_code == 200
    assert [row["id"] for row in r.json()["results"]] == [first.pk, later.pk]
