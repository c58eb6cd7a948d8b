"""The caseworker application list at scale: what each row shows, the date and status filters, the
capped count and pagination, pages past the end, and the name search."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import Application, ApplicationStatus, Channel

pytestmark = pytest.mark.django_db

LIST = reverse("assistance:application_list")


def numbers(response) -> list[str]:
    return [app.number for app in response.context["page"].object_list]


def test_a_row_shows_the_application_and_links_to_it(client, at, township_officer):
    app = at("submitted")
    client.force_login(township_officer)
    html = client.get(LIST).content.decode()
    assert app.number in html and "王小明" in html and "第一社区" in html
    assert "最低生活保障（低保）" in html
    assert str(Channel(app.channel).label) in html
    assert f'<span class="badge status-badge text-bg-primary">{ApplicationStatus.SUBMITTED.label}</span>' in html
    assert timezone.localtime(app.submitted_at).strftime("%Y-%m-%d %H:%M") in html
    assert f'href="{reverse("assistance:application_detail", args=[app.pk])}"' in html


def test_the_status_badge_follows_the_status(at, township_officer):
    app = at("submitted")
    assert app.status_badge == "text-bg-primary"
    app.status = ApplicationStatus.RETURNED
    assert app.status_badge == "text-bg-warning"
    app.status = ApplicationStatus.APPROVED
    assert app.status_badge == "text-bg-success"


def test_the_submission_dates_are_whole_local_days(client, at, township_officer):
    app = at("submitted")
    day = timezone.localtime(app.submitted_at).date()
    client.force_login(township_officer)

    def found(**params):
        return numbers(client.get(LIST, {k: v.isoformat() for k, v in params.items()}))

    assert found(submitted_from=day, submitted_to=day) == [app.number]
    assert found(submitted_from=day) == [app.number]
    assert found(submitted_to=day) == [app.number]
    assert found(submitted_from=day + dt.timedelta(days=1)) == []
    assert found(submitted_to=day - dt.timedelta(days=1)) == []
    assert found(submitted_to=dt.date.max) == [app.number]   # 9999-12-31: no upper bound, not a 500


def test_a_local_day_starts_at_local_midnight(client, at, township_officer):
    app = at("submitted")
    day = timezone.localdate() - dt.timedelta(days=3)
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    Application.objects.filter(pk=app.pk).update(submitted_at=midnight)
    client.force_login(township_officer)
    assert numbers(client.get(LIST, {"submitted_from": day.isoformat(), "submitted_to": day.isoformat()})) \
        == [app.number]
    assert numbers(client.get(LIST, {"submitted_to": (day - dt.timedelta(days=1)).isoformat()})) == []


def test_several_statuses_can_be_chosen_at_once(client, at, township_officer):
    app = at("submitted")
    client.force_login(township_officer)
    assert numbers(client.get(LIST, {"status": ["accepted", "submitted"]})) == [app.number]
    assert numbers(client.get(LIST, {"status": ["accepted", "approved"]})) == []


def test_a_page_past_the_end_is_an_empty_page_that_says_so(client, at, township_officer):
    at("submitted")
    client.force_login(township_officer)
    r = client.get(LIST, {"page": 7})
    assert r.status_code == 200
    html = r.content.decode()
    assert "第 7 页没有记录" in html and "回到第一页" in html
    assert "没有符合条件的申请" not in html


def test_a_capped_list_shows_no_last_page(client, at, township_officer, monkeypatch):
    from assistance.views import common

    at("submitted")
    monkeypatch.setattr(common, "COUNT_CAP", 0)
    client.force_login(township_officer)
    html = client.get(LIST).content.decode()
    assert "共 0+ 件" in html and "末页" not in html


@pytest.mark.parametrize("query, hit", [("王", True), ("王小", True), ("王小明", True), ("小明", False)])
def test_the_name_search_follows_the_household_list_rules(client, at, township_officer, query, hit):
    app = at("submitted")
    client.force_login(township_officer)
    assert numbers(client.get(LIST, {"q": query})) == ([app.number] if hit else [])


def test_the_query_count_does_not_grow_with_the_page(client, at, township_officer, monkeypatch):
    at("submitted")
    monkeypatch.setattr("assistance.views.casework.PAGE_SIZE", 1)
    client.force_login(township_officer)
    client.get(LIST)
    counts = []
    for page in (1, 3):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, {"page": page}).status_code == 200
        counts.append(len(ctx.captured_queries))
    # Page 1 is also the last page, which knows its total without the count page 3 needs.
    assert counts[1] == counts[0] + 1


def test_the_overdue_filter_answers_yes_and_no(client, at, township_officer):
    from civilaffairs.worklist.models import WorkItem

    app = at("submitted")
    item = WorkItem.objects.get(subject_type="assistance.application", subject_id=str(app.pk), status="open")
    client.force_login(township_officer)
    item.due_at = timezone.now() - dt.timedelta(hours=1)
    item.save(update_fields=["due_at"])
    assert numbers(client.get(LIST, {"overdue": "true"})) == [app.number]
    assert numbers(client.get(LIST, {"overdue": "false"})) == []
    item.due_at = timezone.now() + dt.timedelta(days=3)
    item.save(update_fields=["due_at"])
    assert numbers(client.get(LIST, {"overdue": "true"})) == []
    assert numbers(client.get(LIST, {"overdue": "false"})) == [app.number]
    assert numbers(client.get(LIST)) == [app.number]
