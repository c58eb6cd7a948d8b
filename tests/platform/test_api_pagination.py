"""API lists count at most COUNT_CAP rows (count + count_capped), page by next/previous, and 404 past the end."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from civilaffairs.api.pagination import CappedPageNumberPagination
from civilaffairs.lib.pagination import COUNT_CAP
from tests import factories as f

HOUSEHOLDS = "/api/v1/households/"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def five(city):
    return [f.household(community=city.community, head_name=f"陈{i}") for i in range(5)]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(CappedPageNumberPagination, "page_size", 2)


def test_a_list_under_the_cap_reports_its_exact_count_and_pages_by_links(grid_worker, five, small_pages):
    client = api_as(grid_worker)
    first = client.get(HOUSEHOLDS).json()
    assert (first["count"], first["count_capped"], len(first["results"])) == (5, False, 2)
    assert first["previous"] is None and first["next"].endswith("?page=2")
    last = client.get(HOUSEHOLDS, {"page": 3}).json()
    assert [r["head_name"] for r in last["results"]] == ["陈4"] and last["next"] is None
    assert last["previous"].endswith("?page=2") and last["count"] == 5


def test_a_list_over_the_cap_says_so_instead_of_counting_everything(grid_worker, five, monkeypatch):
    monkeypatch.setattr(CappedPageNumberPagination, "count_cap", 3)
    body = api_as(grid_worker).get(HOUSEHOLDS).json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (3, True, 5)


def test_the_count_reads_at_most_cap_plus_one_rows(grid_worker, five, small_pages):
    with CaptureQueriesContext(connection) as queries:
        assert api_as(grid_worker).get(HOUSEHOLDS).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and f"LIMIT {COUNT_CAP + 1}" in counts[0]


def test_the_last_page_needs_no_count(grid_worker, five, small_pages):
    with CaptureQueriesContext(connection) as queries:
        assert api_as(grid_worker).get(HOUSEHOLDS, {"page": 3}).json()["count"] == 5
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


# Not named "page": that is Playwright's browser fixture, and would move this test among the browser tests.
@pytest.mark.parametrize("number", ["4", "99999999999999999999", "0", "-1", "abc", "1.5", "²", "１", "9" * 5000])
def test_a_page_past_the_end_or_not_a_page_is_a_404(grid_worker, five, small_pages, number):
    response = api_as(grid_worker).get(HOUSEHOLDS, {"page": number})
    assert response.status_code == 404 and "无效的页码" in response.json()["detail"]


def test_the_count_covers_only_the_callers_jurisdiction(other_district_worker, township_officer, five,
                                                        other_household):
    mine = api_as(other_district_worker).get(HOUSEHOLDS).json()
    assert (mine["count"], [r["head_name"] for r in mine["results"]]) == (1, ["李四"])
    assert api_as(township_officer).get(HOUSEHOLDS).json()["count"] == 5


def test_the_wrong_person_gets_no_count(resident, data_provider, five):
    own = api_as(resident).get(HOUSEHOLDS).json()
    assert own["count"] == 1  # their own household only
    assert api_as(data_provider).get(HOUSEHOLDS).status_code == 403
    assert APIClient().get(HOUSEHOLDS).status_code == 401


def test_the_schema_describes_the_capped_count(db):
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", "--fail-on-warn", stdout=out)
    paged = json.loads(out.getvalue())["components"]["schemas"]["PaginatedHouseholdOutputList"]
    assert paged["required"] == ["count", "count_capped", "results"]
    assert paged["properties"]["count_capped"]["type"] == "boolean"
