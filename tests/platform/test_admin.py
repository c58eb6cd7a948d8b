"""The admin site: every page loads, personal data stays masked, history stays put."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.audit.services import audit_log
from civilaffairs.registry.models import PolicyParameter
from civilaffairs.worklist.services import workitem_raise
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(city, home_household, other_household, grid_worker, resident, admin_user):
    workitem_raise(kind="discovery_lead", title="核实王小明家庭", region_code=city.community.code,
                   due_at=timezone.now() - dt.timedelta(hours=1), subject=home_household)
    audit_log(actor=admin_user, action="test.event", object_id="42", after={"note": "x"})
    return home_household


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_and_add_page_loads_for_a_superuser(admin_client, populated):
    checked = 0
    for model, model_admin in admin.site._registry.items():
        response = admin_client.get(_url(model, "changelist"))
        assert response.status_code == 200, model
        request = response.wsgi_request
        if model_admin.has_add_permission(request):
            response = admin_client.get(_url(model, "add"))
            assert response.status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            response = admin_client.get(_url(model, "change", obj.pk))
            assert response.status_code == 200, model
        checked += 1
    assert checked >= 9


def test_changelists_answer_searches_and_filters(admin_client, populated, city):
    from civilaffairs.registry.models import Household, Person, Region
    from civilaffairs.worklist.models import WorkItem

    assert admin_client.get(_url(Person, "changelist"), {"q": "王"}).status_code == 200
    assert admin_client.get(_url(Household, "changelist"), {"q": "王小明", "district": "330203"}).status_code == 200
    assert admin_client.get(_url(Region, "changelist"), {"q": "330203"}).status_code == 200
    assert admin_client.get(_url(WorkItem, "changelist"), {"overdue": "yes"}).status_code == 200
    assert admin_client.get(_url(AuditEvent, "changelist"), {"action": "test.event", "q": "42"}).status_code == 200
    assert admin_client.get(_url(PolicyParameter, "changelist"),
                            {"key": "dibao_standard", "region__level__exact": "2"}).status_code == 200


def test_audit_events_cannot_be_changed_or_deleted(admin_client, populated):
    event = AuditEvent.objects.get(action="test.event")
    response = admin_client.post(_url(AuditEvent, "change", event.pk), {"action": "tampered"})
    assert response.status_code == 403
    response = admin_client.post(_url(AuditEvent, "delete", event.pk), {"post": "yes"})
    assert response.status_code == 403
    assert admin_client.get(_url(AuditEvent, "add")).status_code == 403
    changelist = admin_client.get(_url(AuditEvent, "changelist"))
    assert b"delete_selected" not in changelist.content
    event.refresh_from_db()
    assert event.action == "test.event"


def test_the_database_refuses_to_update_or_delete_audit_events(populated):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(action="test.event").update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(action="test.event").delete()
    assert AuditEvent.objects.filter(action="test.event").count() == 1


def test_person_search_by_full_id_number_finds_the_person(admin_client, city):
    number = f.id_number(birth=dt.date(1975, 3, 9))
    from civilaffairs.registry.services import person_create

    wanted = person_create(actor=None, name="赵敏", id_number=number)
    person_create(actor=None, name="赵敏", id_number=f.id_number(birth=dt.date(1975, 3, 9)))
    from civilaffairs.registry.models import Person

    response = admin_client.get(_url(Person, "changelist"), {"q": number}, follow=True)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_household_search_by_member_id_number_finds_the_household(admin_client, home_household):
    from civilaffairs.registry.models import Household

    number = home_household.head.reveal_id_number()
    response = admin_client.get(_url(Household, "changelist"), {"q": number}, follow=True)
    assert list(response.context["cl"].result_list) == [home_household]


def test_the_person_pages_never_show_the_plain_id_number_or_phone(admin_client, home_household):
    from civilaffairs.registry.models import Household, Person

    head = home_household.head
    number, phone = head.reveal_id_number(), head.reveal_phone()
    for response in (admin_client.get(_url(Person, "changelist")),
                     admin_client.get(_url(Person, "change", head.pk)),
                     admin_client.get(_url(Household, "change", home_household.pk))):
        body = response.content.decode()
        assert response.status_code == 200
        assert number not in body and phone not in body
        assert head.id_number_masked in body
    response = admin_client.get(_url(Person, "changelist"), {"q": number}, follow=True)
    body = response.content.decode()
    assert number not in body and head.id_number_masked in body
    assert number not in response.redirect_chain[0][0]


def test_person_search_by_phone_finds_the_person(admin_client, home_household):
    from civilaffairs.registry.models import Person

    response = admin_client.get(_url(Person, "changelist"), {"q": "13800138000"}, follow=True)
    assert list(response.context["cl"].result_list) == [home_household.head]
    assert "13800138000" not in response.content.decode()


def test_adding_a_person_goes_through_the_service(admin_client, city):
    from civilaffairs.registry.models import Person
    from civilaffairs.registry.selectors import id_digest

    number = f.id_number(birth=dt.date(1990, 1, 2), female=True)
    response = admin_client.post(_url(Person, "add"), {"name": "钱芳", "id_number": number, "phone": "13912345678"})
    assert response.status_code == 302
    person = Person.objects.get(id_digest=id_digest(number))
    assert person.phone_masked == "139****5678" and person.gender == "F"
    assert AuditEvent.objects.filter(action="registry.person_created", object_id=str(person.pk)).exists()


def test_a_bad_id_number_is_shown_on_the_person_form(admin_client, city):
    from civilaffairs.registry.models import Person

    good = f.id_number(birth=dt.date(1990, 1, 2))
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = admin_client.post(_url(Person, "add"), {"name": "钱芳", "id_number": bad})
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not Person.objects.filter(name="钱芳").exists()


def test_a_duplicate_id_number_is_shown_on_the_person_form(admin_client, home_household):
    from civilaffairs.registry.models import Person

    number = home_household.head.reveal_id_number()
    response = admin_client.post(_url(Person, "add"), {"name": "重复", "id_number": number})
    assert response.status_code == 200
    assert "该身份证号码已登记" in response.content.decode()
    assert not Person.objects.filter(name="重复").exists()


def test_changing_a_phone_goes_through_the_service(admin_client, home_household):
    from civilaffairs.registry.models import Person

    head = home_household.head
    response = admin_client.post(_url(Person, "change", head.pk), {"new_phone": "13700001111"})
    assert response.status_code == 302
    head.refresh_from_db()
    assert head.reveal_phone() == "13700001111"
    assert AuditEvent.objects.filter(action="registry.person_phone_changed", object_id=str(head.pk)).exists()
    response = admin_client.post(_url(Person, "change", head.pk), {"new_phone": "12345"})
    assert response.status_code == 200 and "手机号码应为" in response.content.decode()


def test_a_person_in_a_household_cannot_be_deleted(admin_client, home_household):
    from civilaffairs.registry.models import Person

    response = admin_client.post(_url(Person, "delete", home_household.head.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Person.objects.filter(pk=home_household.head.pk).exists()


def test_a_new_parameter_closes_the_open_one_and_old_rows_stay_read_only(admin_client, city):
    old = PolicyParameter.objects.get(key="dibao_standard", region_id="3302", effective_to__isnull=True)
    response = admin_client.post(_url(PolicyParameter, "add"), {
        "key": "dibao_standard", "region": "3302", "value": "1200", "effective_from": "2025-01-01",
        "effective_to": "", "note": "2025 年标准"})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.effective_to == dt.date(2024, 12, 31)
    new = PolicyParameter.objects.get(key="dibao_standard", region_id="3302", effective_from=dt.date(2025, 1, 1))
    assert new.value == Decimal("1200")

    response = admin_client.post(_url(PolicyParameter, "change", old.pk), {"value": "1"})
    assert response.status_code == 403
    old.refresh_from_db()
    assert old.value == Decimal("1135")
    assert admin_client.post(_url(PolicyParameter, "delete", old.pk), {"post": "yes"}).status_code == 403


def test_an_overlapping_parameter_is_refused_on_the_form(admin_client, city):
    response = admin_client.post(_url(PolicyParameter, "add"), {
        "key": "dibao_standard", "region": "3302", "value": "1000", "effective_from": "2023-09-01",
        "effective_to": "2023-12-31"})
    assert response.status_code == 200
    assert "已有" in response.content.decode()
    assert PolicyParameter.objects.filter(key="dibao_standard", region_id="3302").count() == 1


def test_work_item_status_is_read_only_in_the_admin(admin_client, populated):
    from civilaffairs.worklist.models import WorkItem

    item = WorkItem.objects.get()
    response = admin_client.get(_url(WorkItem, "change", item.pk))
    assert 'name="status"' not in response.content.decode()
    admin_client.post(_url(WorkItem, "change", item.pk), {"status": "done", "priority": "3"})
    item.refresh_from_db()
    assert item.status == "open" and item.priority == 3


def test_a_role_added_in_the_admin_goes_through_role_assign(admin_client, grid_worker, city):
    from civilaffairs.accounts.models import RoleAssignment

    response = admin_client.post(_url(RoleAssignment, "add"), {
        "user": grid_worker.pk, "role": "township_officer", "region": city.township.code, "organisation": ""})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=grid_worker, role="township_officer").exists()
    assert AuditEvent.objects.filter(action="accounts.role_assigned", object_id=str(grid_worker.pk)).exists()


def test_a_non_staff_caseworker_is_sent_away_from_the_admin(client, grid_worker):
    client.force_login(grid_worker)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = client.get(reverse("admin:registry_person_changelist"))
    assert response.status_code == 302


def test_households_and_members_are_added_through_the_services(admin_client, city):
    from civilaffairs.registry.models import Household

    head, child = f.person(name="孙立"), f.person(name="孙小立", birth=dt.date(2015, 6, 1))
    response = admin_client.post(_url(Household, "add"), {
        "community": city.community.code, "head": head.pk, "address": "幸福路1号", "residence_type": "registered",
        "urban_rural": "urban",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    household = Household.objects.get(head=head)
    assert household.member_count == 1 and household.head_name == "孙立"
    response = admin_client.post(_url(Household, "change", household.pk), {
        "address": "幸福路1号", "residence_type": "registered", "urban_rural": "urban",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "1",
        "members-0-id": household.members.get().pk, "members-0-household": household.pk,
        "members-1-person": child.pk, "members-1-relation": "child", "members-1-household": household.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    household.refresh_from_db()
    assert household.member_count == 2
    assert AuditEvent.objects.filter(action="registry.member_added", object_id=str(household.pk)).exists()
    # The head cannot be added to a second household.
    response = admin_client.post(_url(Household, "add"), {
        "community": city.neighbour.code, "head": head.pk, "residence_type": "registered", "urban_rural": "urban",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "已是其他家庭的成员" in response.content.decode()
