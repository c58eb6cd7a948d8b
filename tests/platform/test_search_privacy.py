"""Search forms that take an ID number post it: the number never appears in a URL (access logs,
browser history), the result page's query holds only its keyed digest."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

HOUSEHOLDS = reverse("registry:household_list")
FILE_SEARCH = reverse("assistance:file_search")


def _search_form_method(html: str) -> str:
    return re.search(r'<form method="(\w+)"[^>]*role="search"', html).group(1)


def _no_id_in(url: str, id_number: str) -> None:
    assert id_number not in url and id_number[6:14] not in url and id_number[-6:] not in url


@pytest.mark.parametrize("page", [HOUSEHOLDS, FILE_SEARCH])
def test_the_search_forms_that_take_an_id_number_are_posted(client, township_officer, page):
    client.force_login(township_officer)
    html = client.get(page).content.decode()
    assert _search_form_method(html) == "post"
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_household_searched_by_id_number_is_found_without_the_number_in_the_url(client, township_officer,
                                                                                 home_household, city):
    f.household(community=city.neighbour, head_name="赵六")
    id_number = home_household.head.reveal_id_number()
    client.force_login(township_officer)
    response = client.post(HOUSEHOLDS, {"q": id_number, "region": city.township.code})
    assert response.status_code == 302
    location = response["Location"]
    _no_id_in(location, id_number)
    assert "id_digest=" in location and f"region={city.township.code}" in location
    page = client.get(location)
    assert list(page.context["page"].object_list) == [home_household]
    text = page.content.decode()
    assert id_number not in text and "330203********" in text  # the masked number says what was searched


def test_an_old_link_with_an_id_number_is_redirected_to_the_digest(client, township_officer, home_household):
    id_number = home_household.head.reveal_id_number()
    client.force_login(township_officer)
    response = client.get(HOUSEHOLDS, {"q": id_number})
    assert response.status_code == 302
    _no_id_in(response["Location"], id_number)


def test_a_name_search_keeps_the_name_in_the_url(client, township_officer, home_household):
    client.force_login(township_officer)
    response = client.post(HOUSEHOLDS, {"q": "王小明"})
    assert response.status_code == 302 and "id_digest" not in response["Location"]
    assert list(client.get(response["Location"]).context["page"].object_list) == [home_household]


def test_a_digest_search_stays_inside_the_jurisdiction_and_a_bad_digest_finds_nothing(client, grid_worker,
                                                                                      other_household):
    client.force_login(grid_worker)
    response = client.post(HOUSEHOLDS, {"q": other_household.head.reveal_id_number()}, follow=True)
    assert list(response.context["page"].object_list) == []
    response = client.get(HOUSEHOLDS, {"id_digest": "not-a-digest"})
    assert response.status_code == 200 and list(response.context["page"].object_list) == []


def test_the_file_search_by_id_number_redirects_without_the_number(client, grid_worker, home_household):
    id_number = home_household.head.reveal_id_number()
    client.force_login(grid_worker)
    response = client.post(FILE_SEARCH, {"q": id_number})
    assert response.status_code == 302
    _no_id_in(response["Location"], id_number)
    page = client.get(response["Location"])
    assert [h.pk for h in page.context["page"].object_list] == [home_household.pk]
    assert id_number not in page.content.decode()


def test_the_file_search_shows_a_bad_id_number_on_the_posted_page(client, grid_worker, home_household):
    bad = home_household.head.reveal_id_number()[:17] + ("0" if home_household.head.reveal_id_number()[-1] != "0"
                                                          else "1")
    client.force_login(grid_worker)
    response = client.post(FILE_SEARCH, {"q": bad})
    assert response.status_code == 200
    assert "身份证号不正确" in response.content.decode()
