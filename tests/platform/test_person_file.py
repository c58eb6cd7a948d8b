"""The person file (一人一档): who may open it, the purpose of use, sections and their capabilities,
the access log each read writes, masked identity, the merged timeline."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civilaffairs.accounts.services import role_assign
from civilaffairs.audit import purpose as purpose_module
from civilaffairs.audit.models import AccessLogEntry, AuditEvent
from civilaffairs.portal.person_file import (
    TimelineEvent, person_file_sections, register_person_file_section, unregister_person_file_section,
)
from tests import factories as f
from tests.sampleprogramme import reg_person_file as sample

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file_url(person) -> str:
    return reverse("portal:person_file", args=[person.pk])


def state_purpose(client, person, purpose="casework", note="", section=""):
    return client.post(reverse("portal:person_purpose", args=[person.pk]),
                       {"purpose": purpose, "note": note, "section": section})


def rows(person, section=None):
    qs = AccessLogEntry.objects.filter(object_type="registry.person", object_id=str(person.pk))
    return qs.filter(section=section) if section else qs


@pytest.fixture(autouse=True)
def _sample_section_absent():
    """The test settings install the sample programme, whose app registers its sensitive section on
    start; these tests count access-log rows, so they take it out and ``sample_section`` puts it back."""
    sample.unregister()
    yield
    sample.register()


@pytest.fixture
def sample_section():
    sample.register()
    yield sample
    sample.unregister()


@pytest.fixture
def head(home_household):
    return home_household.head


@pytest.fixture
def community_officer(city):
    """A grid worker of the home community who is also the township officer: the person is in their
    caseload (the file opens without a purpose) and they hold view_department_data (the sample section)."""
    user = f.staff(username="grid-and-township", role="grid_worker", region=city.community)
    role_assign(actor=None, user=user, role="township_officer", region_code=city.township.code)
    return user


# --- who may open the file -------------------------------------------------------------------

def test_the_grid_worker_of_the_community_opens_the_file_and_the_read_is_logged(grid_worker, head, city):
    response = client_for(grid_worker).get(file_url(head))
    assert response.status_code == 200
    page = response.content.decode()
    assert head.name in page and head.id_number_masked in page
    entry = rows(head).get()
    assert (entry.actor_id, entry.section, entry.purpose, entry.region_code) == (
        grid_worker.pk, "person_file", "caseload", city.community.code)
    assert head.name not in str(entry.__dict__)  # the reference only


@pytest.mark.parametrize("persona", ["neighbour_grid_worker", "other_district_worker"])
def test_a_grid_worker_of_another_community_gets_404_and_nothing_is_logged(request, persona, head):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(file_url(head)).status_code == 404
    assert client_for(user).post(reverse("portal:person_purpose", args=[head.pk]),
                                 {"purpose": "casework"}).status_code == 404
    assert not rows(head).exists()


def test_residents_and_staff_without_view_households_are_refused(resident, data_provider, head, city):
    assert client_for(resident).get(file_url(head)).status_code == 403  # their own data is on /me/
    assert client_for(data_provider).get(file_url(head)).status_code == 403
    facility = f.staff(username="facility", role="facility_staff", region=city.community,
                       organisation=f.organisation(region=city.community))
    assert client_for(facility).get(file_url(head)).status_code == 403
    anonymous = Client().get(file_url(head))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not rows(head).exists()


def test_an_unknown_person_is_404(grid_worker):
    assert client_for(grid_worker).get("/people/999999999/").status_code == 404


# --- purpose of use for the whole file -------------------------------------------------------------

def test_outside_their_caseload_a_worker_states_a_purpose_before_the_file_opens(township_officer, head):
    client = client_for(township_officer)
    gate = client.get(file_url(head))
    assert gate.status_code == 200
    page = gate.content.decode()
    assert "请说明查阅目的" in page
    assert head.name not in page and head.id_number_masked not in page  # the form, not the data
    assert not rows(head).exists()

    refused = state_purpose(client, head, purpose="other", note="")
    assert refused.status_code == 400 and "请用至少" in refused.content.decode()
    response = state_purpose(client, head, purpose="review")
    assert response.status_code == 302 and response["Location"] == file_url(head)

    opened = client.get(file_url(head))
    assert opened.status_code == 200 and head.name in opened.content.decode()
    entry = rows(head).get()
    assert (entry.section, entry.purpose, entry.actor_label) == ("person_file", "review", "township")


def test_the_note_boundary_is_four_characters(township_officer, head):
    client = client_for(township_officer)
    assert state_purpose(client, head, purpose="other", note="三个字").status_code == 400
    assert state_purpose(client, head, purpose="other", note="四个字呢").status_code == 302
    client.get(file_url(head))
    assert rows(head).get().note == "四个字呢"


def test_a_purpose_that_is_not_on_the_list_is_refused(township_officer, head):
    client = client_for(township_officer)
    assert state_purpose(client, head, purpose="caseload").status_code == 400  # the platform's, not a choice
    assert state_purpose(client, head, purpose="statistics").status_code == 400
    assert "请说明查阅目的" in client.get(file_url(head)).content.decode()


def test_id_and_phone_numbers_typed_into_the_note_are_masked_in_the_log(township_officer, head):
    client = client_for(township_officer)
    number = f.id_number(birth=dt.date(1990, 1, 2))
    state_purpose(client, head, purpose="other", note=f"群众来电 13800138000 反映 {number}")
    client.get(file_url(head))
    note = rows(head).get().note
    assert "13800138000" not in note and number not in note
    assert "138****8000" in note


def test_the_stated_purpose_lasts_thirty_minutes(township_officer, head, monkeypatch):
    client = client_for(township_officer)
    state_purpose(client, head)
    stated_at = timezone.now()
    for minutes, opens in ((29, True), (29.99, True), (30, False), (31, False)):
        monkeypatch.setattr(purpose_module, "_now", lambda m=minutes: stated_at + dt.timedelta(minutes=m))
        page = client.get(file_url(head)).content.decode()
        assert (head.name in page) is opens, minutes


def test_a_purpose_covers_only_the_person_it_was_stated_for(township_officer, head, home_household):
    other_member = home_household.members.exclude(person=head).first().person
    client = client_for(township_officer)
    state_purpose(client, head)
    assert head.name in client.get(file_url(head)).content.decode()
    assert "请说明查阅目的" in client.get(file_url(other_member)).content.decode()


def test_a_superuser_states_a_purpose_too(admin_user, head):
    client = client_for(admin_user)
    assert "请说明查阅目的" in client.get(file_url(head)).content.decode()
    state_purpose(client, head, purpose="supervision")
    assert client.get(file_url(head)).status_code == 200
    assert rows(head).get().purpose == "supervision"


# --- sections and capabilities ------------------------------------------------------------------

def test_the_sample_programme_section_appears_refuses_without_a_purpose_and_logs_the_read(
        sample_section, community_officer, head):
    assert sample.NAME in [s.name for s in person_file_sections()]
    client = client_for(community_officer)
    page = client.get(file_url(head)).content.decode()
    assert sample.TITLE in page  # the section is there …
    assert sample.SECRET_MARK not in page and sample.EVENT_TITLE not in page  # … as the form, not the data
    assert 'name="section" value="sampleprogramme.counselling"' in page
    assert not rows(head, sample.NAME).exists()
    assert rows(head, "person_file").get().purpose == "caseload"

    refused = state_purpose(client, head, purpose="other", note="", section=sample.NAME)
    assert refused.status_code == 400 and "查看敏感信息前请说明查阅目的" in refused.content.decode()
    assert 'name="section" value="sampleprogramme.counselling"' in refused.content.decode()
    assert sample.SECRET_MARK not in refused.content.decode() and head.name not in refused.content.decode()
    response = state_purpose(client, head, purpose="casework", section=sample.NAME)
    assert response["Location"] == file_url(head) + "#section-sampleprogramme.counselling"
    page = client.get(file_url(head)).content.decode()
    assert sample.SECRET_MARK in page and sample.EVENT_TITLE in page
    entry = rows(head, sample.NAME).get()
    assert (entry.purpose, entry.actor_id, entry.object_id) == ("casework", community_officer.pk, str(head.pk))


def test_each_read_with_a_purpose_writes_one_row_per_sensitive_section(sample_section, township_officer, head):
    client = client_for(township_officer)
    state_purpose(client, head, purpose="review")
    for _ in range(3):
        assert sample.SECRET_MARK in client.get(file_url(head)).content.decode()
    assert rows(head, sample.NAME).count() == 3
    assert rows(head, "person_file").count() == 3
    assert client.get(file_url(head) + "?page=2").status_code == 200
    assert rows(head, sample.NAME).count() == 4


def test_a_worker_without_the_sections_capability_does_not_see_it(sample_section, grid_worker, head):
    client = client_for(grid_worker)
    state_purpose(client, head, purpose="casework")
    page = client.get(file_url(head)).content.decode()
    assert sample.TITLE not in page and sample.SECRET_MARK not in page and sample.EVENT_TITLE not in page
    assert not rows(head, sample.NAME).exists()


def test_a_registered_section_is_shown_in_order_and_unregistering_removes_it(grid_worker, head):
    register_person_file_section("tests.first", title="测试区块一", capability="view_households", order=1,
                                 render=lambda **kw: (_tpl("FIRST"), {}))
    try:
        page = client_for(grid_worker).get(file_url(head)).content.decode()
        assert page.index("FIRST") < page.index("社会救助：申请与待遇")
    finally:
        unregister_person_file_section("tests.first")
    assert "FIRST" not in client_for(grid_worker).get(file_url(head)).content.decode()


def _tpl(text):
    from django.template import engines

    return engines["django"].from_string(f"<div class='card-body'>{text}</div>")


# --- identity ------------------------------------------------------------------------------------

def test_the_identity_is_masked_and_the_reveal_is_audited(township_officer, grid_worker, head):
    number = head.reveal_id_number()
    grid_page = client_for(grid_worker).get(file_url(head)).content.decode()
    assert number not in grid_page and head.id_number_masked in grid_page
    assert "查看完整号码" not in grid_page  # no reveal right
    refused = client_for(grid_worker).post(reverse("portal:person_reveal_id", args=[head.pk]))
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="registry.id_reveal_refused", object_id=str(head.pk)).exists()

    client = client_for(township_officer)
    before = client.post(reverse("portal:person_reveal_id", args=[head.pk]))
    assert before.status_code == 302  # no purpose stated yet: back to the form
    state_purpose(client, head)
    assert "查看完整号码" in client.get(file_url(head)).content.decode()
    revealed = client.post(reverse("portal:person_reveal_id", args=[head.pk]), HTTP_HX_REQUEST="true")
    assert revealed.status_code == 200 and number in revealed.content.decode()
    assert AuditEvent.objects.filter(action="registry.id_revealed", object_id=str(head.pk),
                                     actor=township_officer).count() == 1


# --- households, relations, timeline -------------------------------------------------------------

def test_households_relations_and_guardians_are_shown(grid_worker, home_household):
    from civilaffairs.registry.guardianship import guardianship_add

    head = home_household.head
    member = home_household.members.exclude(person=head).select_related("person").first()
    page = client_for(grid_worker).get(file_url(head)).content.decode()
    assert reverse("registry:household_detail", args=[home_household.pk]) in page
    assert file_url(member.person) in page and member.get_relation_display() in page
    assert "未登记监护人" in page
    guardianship_add(actor=None, ward=member.person, guardian=head, role="father", basis="statutory",
                     since=member.person.birth_date)
    child_page = client_for(grid_worker).get(file_url(member.person)).content.decode()
    assert "法定监护" in child_page and file_url(head) in child_page
    assert member.person.name in client_for(grid_worker).get(file_url(head)).content.decode()


def test_the_timeline_is_newest_first_and_paginated(grid_worker, head):
    now = timezone.now()
    register_person_file_section(
        "tests.events", title="测试事件", capability="view_households", render=lambda **kw: None,
        timeline=lambda **kw: [TimelineEvent(at=now - dt.timedelta(days=i), title=f"EVENT-{i:02d}")
                               for i in (3, 0, 24, 7, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                         19, 20, 21, 22, 23)])
    try:
        client = client_for(grid_worker)
        first = client.get(file_url(head)).content.decode()
        second = client.get(file_url(head) + "?page=2").content.decode()
        on_first = [f"EVENT-{i:02d}" for i in range(25) if f"EVENT-{i:02d}" in first]
        on_second = [f"EVENT-{i:02d}" for i in range(25) if f"EVENT-{i:02d}" in second]
        # 20 a page, the household's "joined" event (today) among them: page 1 holds the newest.
        assert on_first + on_second == [f"EVENT-{i:02d}" for i in range(25)]
        assert len(on_first) >= 19 and "第 1 / 2 页" in first
        positions = [first.index(t) for t in on_first]
        assert positions == sorted(positions)  # newest first
    finally:
        unregister_person_file_section("tests.events")


def test_a_date_sorts_as_the_start_of_its_day_among_datetimes():
    day = dt.date(2024, 5, 1)
    events = [TimelineEvent(at=day, title="d"),
              TimelineEvent(at=timezone.make_aware(dt.datetime(2024, 5, 1, 9)), title="later that day"),
              TimelineEvent(at=timezone.make_aware(dt.datetime(2024, 4, 30, 23)), title="the day before")]
    assert [e.title for e in sorted(events, key=lambda e: e.sort_key, reverse=True)] == [
        "later that day", "d", "the day before"]


# --- links ---------------------------------------------------------------------------------------

def test_household_pages_and_the_id_search_link_to_the_person_file(grid_worker, home_household):
    client = client_for(grid_worker)
    head = home_household.head
    assert file_url(head) in client.get(reverse("registry:household_detail", args=[home_household.pk])).content.decode()
    assert file_url(head) in client.get(reverse("assistance:household_360", args=[home_household.pk])).content.decode()
    found = client.post(reverse("registry:household_list"), {"q": head.reveal_id_number()}, follow=True)
    assert file_url(head) in found.content.decode()
    by_name = client.get(reverse("registry:household_list"), {"q": "王"}).content.decode()
    assert file_url(head) not in by_name  # a name search lists households, not one person


def test_residents_see_no_link_to_the_person_file(resident, home_household):
    page = client_for(resident).get(reverse("registry:household_detail", args=[home_household.pk])).content.decode()
    assert "/people/" not in page
