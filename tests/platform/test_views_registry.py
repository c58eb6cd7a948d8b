"""Household pages: scoped lists, masked details, audited views and ID reveals."""
from __future__ import annotations

import pytest
from django.urls import reverse

from civilaffairs.audit.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("registry:household_list")


def detail(hh):
    return reverse("registry:household_detail", args=[hh.pk])


def reveal(hh, person):
    return reverse("registry:member_reveal_id", args=[hh.pk, person.pk])


def test_a_grid_worker_sees_only_households_in_their_community(client, grid_worker, home_household, other_household):
    client.force_login(grid_worker)
    html = client.get(LIST).content.decode()
    assert "王小明" in html
    assert "李四" not in html
    assert "第一社区" in html


def test_the_household_list_shows_member_counts(client, grid_worker, home_household):
    client.force_login(grid_worker)
    r = client.get(LIST)
    assert list(r.context["page"].object_list) == [home_household]
    assert "<td>3</td>" in r.content.decode()


def test_the_household_list_finds_a_household_by_head_name(client, township_officer, home_household, city):
    f.household(community=city.neighbour, head_name="赵六")
    client.force_login(township_officer)
    r = client.get(LIST, {"q": "赵"})
    assert [h.head_name for h in r.context["page"].object_list] == ["赵六"]


def test_the_household_list_finds_a_household_by_a_members_full_id_number(client, township_officer, home_household,
                                                                          city):
    f.household(community=city.neighbour, head_name="赵六")
    member = home_household.members.exclude(person=home_household.head).first().person
    client.force_login(township_officer)
    r = client.get(LIST, {"q": member.reveal_id_number()}, follow=True)
    assert list(r.context["page"].object_list) == [home_household]


def test_the_household_list_filters_by_region_code(client, township_officer, home_household, city):
    f.household(community=city.neighbour, head_name="赵六")
    client.force_login(township_officer)
    r = client.get(LIST, {"region": city.neighbour.code})
    assert [h.head_name for h in r.context["page"].object_list] == ["赵六"]


def test_the_household_list_cannot_be_widened_by_a_region_outside_the_jurisdiction(client, grid_worker,
                                                                                  other_household, city):
    client.force_login(grid_worker)
    r = client.get(LIST, {"region": city.other_district.code})
    assert "李四" not in r.content.decode()


def test_the_household_list_has_an_empty_state(client, grid_worker, city):
    client.force_login(grid_worker)
    assert "没有找到符合条件的家庭" in client.get(LIST, {"q": "不存在"}).content.decode()


def test_the_household_list_is_paginated_by_fifty(client, grid_worker, city):
    from civilaffairs.registry.models import Household

    for i in range(51):
        f.household(community=city.community, head_name=f"户主{i}")
    client.force_login(grid_worker)
    r = client.get(LIST)
    assert len(r.context["page"].object_list) == 50
    assert r.context["page"].paginator.num_pages == 2
    assert "page=2" in r.content.decode()
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 1
    assert Household.objects.count() == 51


def test_the_household_list_refuses_residents_and_data_providers(client, resident, data_provider):
    client.force_login(resident)
    assert client.get(LIST).status_code == 403
    client.force_login(data_provider)
    assert client.get(LIST).status_code == 403


def test_the_household_list_sends_anonymous_visitors_to_sign_in(client, city):
    assert client.get(LIST)["Location"].startswith("/accounts/login/")


def test_the_household_detail_masks_id_numbers_and_phones(client, grid_worker, home_household):
    client.force_login(grid_worker)
    html = client.get(detail(home_household)).content.decode()
    head = home_household.head
    assert head.id_number_masked in html
    assert head.reveal_id_number() not in html
    assert "138****8000" in html
    assert "13800138000" not in html
    assert "户主" in html and "子女" in html and "男" in html


def test_viewing_a_household_writes_an_audit_event(client, grid_worker, home_household):
    client.force_login(grid_worker)
    client.get(detail(home_household))
    event = AuditEvent.objects.get(action="registry.household_viewed")
    assert event.actor == grid_worker
    assert event.object_id == str(home_household.pk)
    assert event.region_code == home_household.community_id


def test_a_worker_of_another_district_gets_404_for_the_household(client, other_district_worker, home_household):
    client.force_login(other_district_worker)
    assert client.get(detail(home_household)).status_code == 404
    assert not AuditEvent.objects.filter(action="registry.household_viewed").exists()


def test_a_worker_of_the_neighbouring_community_gets_404(client, neighbour_grid_worker, home_household):
    client.force_login(neighbour_grid_worker)
    assert client.get(detail(home_household)).status_code == 404


def test_a_resident_opens_their_own_household(client, resident, home_household):
    client.force_login(resident)
    r = client.get(detail(home_household))
    assert r.status_code == 200
    assert home_household.head.reveal_id_number() not in r.content.decode()
    assert "查看完整号码" not in r.content.decode()


def test_a_resident_gets_404_for_another_household(client, resident, other_household):
    client.force_login(resident)
    assert client.get(detail(other_household)).status_code == 404


def test_a_grid_worker_has_no_reveal_button(client, grid_worker, home_household):
    client.force_login(grid_worker)
    assert "查看完整号码" not in client.get(detail(home_household)).content.decode()


def test_a_township_officer_has_a_reveal_button(client, township_officer, home_household):
    client.force_login(township_officer)
    assert "查看完整号码" in client.get(detail(home_household)).content.decode()


def test_a_township_officer_reveals_one_id_number_and_it_is_audited(client, township_officer, home_household):
    head = home_household.head
    client.force_login(township_officer)
    r = client.post(reveal(home_household, head))
    assert r.status_code == 200
    assert head.reveal_id_number() in r.content.decode()
    assert r["Cache-Control"].startswith("max-age=0")
    event = AuditEvent.objects.get(action="registry.id_revealed")
    assert event.actor == township_officer
    assert event.object_id == str(head.pk)


def test_revealing_with_htmx_returns_only_the_number(client, township_officer, home_household):
    head = home_household.head
    client.force_login(township_officer)
    r = client.post(reveal(home_household, head), HTTP_HX_REQUEST="true")
    assert r.content.decode().strip().startswith("<span")
    assert head.reveal_id_number() in r.content.decode()


def test_a_grid_worker_who_tries_to_reveal_is_refused_with_a_message_and_audited(client, grid_worker,
                                                                                home_household):
    head = home_household.head
    client.force_login(grid_worker)
    r = client.post(reveal(home_household, head))
    assert r.status_code == 403
    assert "您没有查看完整身份证号码的权限" in r.content.decode()
    assert head.reveal_id_number() not in r.content.decode()
    assert AuditEvent.objects.filter(action="registry.id_reveal_refused").exists()


def test_revealing_in_another_district_answers_404(client, other_district_worker, home_household):
    client.force_login(other_district_worker)
    assert client.post(reveal(home_household, home_household.head)).status_code == 404


def test_revealing_a_person_who_is_not_in_the_household_answers_404(client, township_officer, home_household,
                                                                  other_household):
    client.force_login(township_officer)
    assert client.post(reveal(home_household, other_household.head)).status_code == 404


def test_reveal_refuses_get_requests(client, township_officer, home_household):
    client.force_login(township_officer)
    assert client.get(reveal(home_household, home_household.head)).status_code == 405
