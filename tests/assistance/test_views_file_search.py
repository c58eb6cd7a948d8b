"""代为申请: finding a household to file for, as the household list finds them, in the worker's own regions."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f

SEARCH = reverse("assistance:file_search")


def found(client, q, **params) -> list[str]:
    r = client.get(SEARCH, {"q": q, **params}, follow=True)
    assert r.status_code == 200
    return [h.head_name for h in r.context["page"].object_list]


def test_one_or_two_characters_find_names_that_start_with_them(client, grid_worker, home_household):
    client.force_login(grid_worker)
    assert found(client, "王") == ["王小明"] and found(client, "王小") == ["王小明"]
    assert found(client, "小明") == []  # two characters inside a name would scan the whole scope
    assert found(client, "王小明") == ["王小明"] and found(client, "小明 ") == []


def test_three_characters_find_the_name_anywhere_and_a_full_id_number_finds_the_household(
        client, grid_worker, city):
    hh = f.household(community=city.community, head_name="欧阳小明")
    client.force_login(grid_worker)
    assert found(client, "阳小明") == ["欧阳小明"]
    assert found(client, hh.head.reveal_id_number()) == ["欧阳小明"]


def test_the_name_search_is_a_prefix_range_or_a_trigram_match_on_the_list_order(client, grid_worker, home_household):
    client.force_login(grid_worker)
    with CaptureQueriesContext(connection) as short:
        client.get(SEARCH, {"q": "王"})
    with CaptureQueriesContext(connection) as long:
        client.get(SEARCH, {"q": "王小明"})
    short_sql = next(q["sql"] for q in short.captured_queries if "registry_household" in q["sql"])
    long_sql = next(q["sql"] for q in long.captured_queries if "registry_household" in q["sql"])
    assert "LIKE '王%'" in short_sql.replace("::text", "") and "'%王%'" not in short_sql
    assert "'%王小明%'" in long_sql
    assert 'COLLATE "C"' in short_sql  # the household list's index order


def test_results_are_paged_with_a_capped_count(client, grid_worker, city):
    for i in range(23):
        f.household(community=city.community, head_name=f"陈{i:02d}")
    client.force_login(grid_worker)
    first = client.get(SEARCH, {"q": "陈"})
    assert len(first.context["page"].object_list) == 20 and first.context["page"].has_next()
    assert "共 23 户" in first.content.decode()
    assert len(found(client, "陈", page=2)) == 3
    past = client.get(SEARCH, {"q": "陈", "page": 9})
    assert past.context["page"].past_the_end and "列表没有这么多页" in past.content.decode()


def test_it_finds_only_households_in_the_workers_own_regions(client, grid_worker, neighbour_grid_worker,
                                                             other_district_worker, township_officer,
                                                             home_household, other_household):
    client.force_login(grid_worker)
    assert found(client, "李四") == []
    client.force_login(neighbour_grid_worker)
    assert found(client, "王小明") == []
    client.force_login(other_district_worker)
    assert found(client, "王小明") == [] and found(client, "李四") == ["李四"]
    client.force_login(township_officer)
    assert found(client, "王小明") == ["王小明"]


def test_a_district_approver_who_cannot_file_is_refused_and_not_offered_the_button(client, district_approver,
                                                                                   township_officer, city):
    client.force_login(district_approver)
    r = client.get(SEARCH, {"q": "王小明"})
    assert r.status_code == 403
    assert reverse("assistance:file_search") not in client.get(reverse("assistance:application_list")).content.decode()
    client.force_login(township_officer)
    assert reverse("assistance:file_search") in client.get(reverse("assistance:application_list")).content.decode()


@pytest.mark.parametrize("who", ["resident", "data_provider"])
def test_residents_and_data_providers_are_refused(client, request, who, home_household):
    client.force_login(request.getfixturevalue(who))
    assert client.get(SEARCH, {"q": "王小明"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get(SEARCH)["Location"].startswith("/accounts/login/")


def test_a_wrong_id_number_or_an_overlong_query_says_what_is_wrong(client, grid_worker, city):
    hh = f.household(community=city.community, head_name="欧阳小明")
    number = hh.head.reveal_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")   # check digit off by one
    client.force_login(grid_worker)
    for q, message in ((wrong, "身份证号不正确"), ("张" * 51, "50")):
        r = client.get(SEARCH, {"q": q})
        body = r.content.decode()
        assert r.status_code == 200 and message in body, q
        assert "辖区内没有找到该家庭" not in body and r.context["page"] is None
