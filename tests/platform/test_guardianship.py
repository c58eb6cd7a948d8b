"""Guardianship links (监护关系): registered and ended on the person file by who knows the family,
validated with clear reasons, audited without personal data, revoked by a court's fact, and told to
the proactive engine."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.entitlements.models import DirtySubject
from civilaffairs.lib.errors import StateConflict
from civilaffairs.registry.guardianship import (
    guardianship_add, guardianship_end, guardianships_revoke_by_facts,
)
from civilaffairs.registry.imports import department_batch_import
from civilaffairs.registry.models import Guardianship, GuardianshipStatus
from civilaffairs.registry.services import household_add_member
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def family(home_household):
    """A child in the home household, the head (their father) and a grandmother living elsewhere."""
    child = f.person(name="小明", birth=dt.date(2015, 3, 1))
    household_add_member(actor=None, household=home_household, person=child, relation="child")
    grandma = f.person(name="王奶奶", birth=dt.date(1955, 1, 1), female=True)
    return child, home_household.head, grandma


def _add(actor, child, guardian, **kw):
    kw.setdefault("role", "father")
    kw.setdefault("basis", "statutory")
    kw.setdefault("since", dt.date(2015, 3, 1))
    return guardianship_add(actor=actor, ward=child, guardian=guardian, **kw)


def test_a_link_is_registered_audited_without_personal_data_and_the_ward_marked(family, township_officer):
    child, father, _grandma = family
    link = _add(township_officer, child, father, is_primary=True)
    assert link.status == GuardianshipStatus.ACTIVE and link.is_primary
    event = AuditEvent.objects.get(action="registry.guardianship_added")
    payload = json.dumps(event.after, ensure_ascii=False)
    assert father.reveal_id_number() not in payload and "小明" not in payload
    assert DirtySubject.objects.filter(subject_type="person", subject_id=child.pk, reason="membership").exists()


def test_validation_says_what_is_wrong(family, township_officer):
    child, father, grandma = family
    minor = f.person(name="小哥哥", birth=dt.date(2010, 1, 1))
    with pytest.raises(ValidationError, match="本人"):
        _add(township_officer, child, child)
    with pytest.raises(ValidationError, match="未满 18 周岁"):
        _add(township_officer, child, minor, role="sibling", since=TODAY)
    with pytest.raises(ValidationError, match="监护起始日期"):
        _add(township_officer, child, father, since=dt.date(2015, 2, 28))  # before the ward was born
    with pytest.raises(ValidationError, match="监护起始日期"):
        _add(township_officer, child, father, since=TODAY + dt.timedelta(days=1))
    _add(township_officer, child, father, since=dt.date(2015, 3, 1))  # the day of birth: accepted
    with pytest.raises(StateConflict):
        _add(township_officer, child, father)
    assert Guardianship.objects.count() == 1


def test_the_guardian_is_18_on_the_start_date_just_below_at_and_above(family, township_officer):
    child, _father, _grandma = family
    brother = f.person(name="大哥", birth=dt.date(2007, 6, 15))
    with pytest.raises(ValidationError, match="未满 18 周岁"):
        _add(township_officer, child, brother, role="sibling", since=dt.date(2025, 6, 14))
    assert _add(township_officer, child, brother, role="sibling", since=dt.date(2025, 6, 15)).pk


def test_one_primary_guardian(family, township_officer):
    child, father, grandma = family
    first = _add(township_officer, child, father, is_primary=True)
    second = _add(township_officer, child, grandma, role="grandparent", basis="entrusted", is_primary=True,
                  since=dt.date(2020, 1, 1))
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary


def test_ending_is_final_and_dated(family, township_officer):
    child, father, _grandma = family
    link = _add(township_officer, child, father)
    with pytest.raises(ValidationError, match="终止原因"):
        guardianship_end(actor=township_officer, guardianship_id=link.pk, until=TODAY, reason=" ")
    with pytest.raises(ValidationError, match="监护终止日期"):
        guardianship_end(actor=township_officer, guardianship_id=link.pk, until=dt.date(2015, 2, 1), reason="x")
    guardianship_end(actor=township_officer, guardianship_id=link.pk, until=TODAY, reason="外出失联")
    with pytest.raises(StateConflict):
        guardianship_end(actor=township_officer, guardianship_id=link.pk, until=TODAY, reason="again")
    link.refresh_from_db()
    assert link.status == GuardianshipStatus.ENDED and link.until == TODAY


def test_who_may_register(family, city, grid_worker, other_district_worker):
    child, father, _grandma = family
    village_assistant = f.staff(username="va", role="village_assistant", region=city.community)
    for user in (grid_worker, other_district_worker):
        with pytest.raises(PermissionDenied):
            _add(user, child, father)
    assert _add(village_assistant, child, father).pk


def test_a_court_revocation_fact_revokes_the_guardians_links_once(family, home_household, township_officer,
                                                                  data_provider):
    child, father, grandma = family
    link = _add(township_officer, child, father)
    kept = _add(township_officer, child, grandma, role="grandparent", since=dt.date(2020, 1, 1))
    content = ("id_number,name,kind,period_start,period_end,amount,attributes\n"
               f"{father.reveal_id_number()},,guardianship_revoked,2026-03-02,2026-03-02,,\n").encode()
    department_batch_import(actor=data_provider, source="justice", content=content)
    assert guardianships_revoke_by_facts() == 1
    assert guardianships_revoke_by_facts() == 0
    link.refresh_from_db()
    kept.refresh_from_db()
    assert link.status == GuardianshipStatus.REVOKED and link.until == dt.date(2026, 3, 2)
    assert kept.status == GuardianshipStatus.ACTIVE
    second_child = f.person(name="二宝", birth=dt.date(2019, 1, 1))
    household_add_member(actor=None, household=home_household, person=second_child, relation="child")
    with pytest.raises(ValidationError, match="撤销"):
        _add(township_officer, second_child, father, since=dt.date(2019, 1, 1))


# --- the pages ----------------------------------------------------------------------------------

def _state_purpose(client, person):
    client.post(reverse("portal:person_purpose", args=[person.pk]), {"purpose": "casework"})


def test_register_and_end_from_the_person_file(family, city, township_officer, client):
    from civilaffairs.registry.services import household_create

    child, _father, grandma = family
    household_create(actor=None, community_code=city.neighbour.code, head=grandma)  # she lives elsewhere
    client.force_login(township_officer)
    _state_purpose(client, child)
    url = reverse("portal:guardian_add", args=[child.pk])
    page = client.get(url)
    assert page.status_code == 200
    number = grandma.reveal_id_number()
    bad = client.post(url, {"id_number": number[:-1] + ("0" if number[-1] != "0" else "1"), "role": "grandparent",
                            "basis": "entrusted", "since": "2020-01-01"})
    assert bad.status_code == 400 and Guardianship.objects.count() == 0
    unknown = f.id_number(birth=dt.date(1960, 1, 1))
    missing = client.post(url, {"id_number": unknown, "role": "grandparent", "basis": "entrusted", "since": "2020-01-01"})
    assert missing.status_code == 400 and "尚未在人口信息中登记" in missing.content.decode()
    assert unknown not in missing.content.decode()
    done = client.post(url, {"id_number": number, "role": "grandparent", "basis": "entrusted", "since": "2020-01-01",
                             "is_primary": "on"})
    assert done.status_code == 302
    file_page = client.get(reverse("portal:person_file", args=[child.pk])).content.decode()
    assert "王奶奶" in file_page and "委托照护" in file_page
    _state_purpose(client, grandma)
    assert "小明" in client.get(reverse("portal:person_file", args=[grandma.pk])).content.decode()  # her wards
    link = Guardianship.objects.get()
    end_url = reverse("portal:guardian_end", args=[child.pk, link.pk])
    assert client.post(end_url, {"until": "9999-12-31", "reason": "回家"}).status_code == 400
    assert client.post(end_url, {"until": TODAY.isoformat(), "reason": "父母返乡"}).status_code == 302
    link.refresh_from_db()
    assert link.status == GuardianshipStatus.ENDED
    assert "是以下人员的监护人" not in client.get(reverse("portal:person_file", args=[child.pk])).content.decode()


def test_the_pages_refuse_the_wrong_people(family, grid_worker, other_district_worker, resident, client):
    child, father, _grandma = family
    link = _add(None, child, father)
    add_url = reverse("portal:guardian_add", args=[child.pk])
    end_url = reverse("portal:guardian_end", args=[child.pk, link.pk])
    client.force_login(grid_worker)  # sees the file, may not register
    assert client.get(add_url).status_code == 403 and client.post(end_url, {}).status_code == 403
    assert "登记监护人" not in client.get(reverse("portal:person_file", args=[child.pk])).content.decode()
    client.force_login(other_district_worker)
    assert client.get(add_url).status_code == 404
    client.force_login(resident)
    assert client.get(add_url).status_code == 403
    other_child = f.person(name="别家", birth=dt.date(2016, 1, 1))
    assert client.get(reverse("portal:guardian_end", args=[other_child.pk, link.pk])).status_code in (403, 404)
    link.refresh_from_db()
    assert link.status == GuardianshipStatus.ACTIVE
