"""The platform's admin lists filter and search the rows they say they do: each page gets two
objects, and each filter or search must keep exactly the one it names (a page that answers 200
with both, or with neither, fails)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.audit.services import audit_log
from civilaffairs.registry.imports import department_batch_import
from civilaffairs.registry.models import DepartmentRecord, Household, ImportBatch, Person
from civilaffairs.worklist.models import WorkItem
from civilaffairs.worklist.services import workitem_raise
from tests import factories as f

pytestmark = pytest.mark.django_db


def rows(client, model, params: dict, *, among=None) -> set:
    """The pks the changelist shows for ``params`` (following the digest-search redirect), limited
    to ``among`` when the page also lists rows the fixtures made on the side."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, params, follow=True)
    assert response.status_code == 200, response.content[:500]
    shown = {obj.pk for obj in response.context["cl"].result_list}
    return shown & {o.pk for o in among} if among is not None else shown


# --- persons -----------------------------------------------------------------------------------------

def test_the_person_list_keeps_the_name_the_gender_and_the_id_number_asked_for(admin_client, city):
    man = f.person(name="赵敏", birth=dt.date(1975, 3, 9))
    woman = f.person(name="钱芳", birth=dt.date(1990, 1, 2), female=True)
    both = (man, woman)
    assert rows(admin_client, Person, {}, among=both) == {man.pk, woman.pk}
    assert rows(admin_client, Person, {"q": "赵"}, among=both) == {man.pk}
    assert rows(admin_client, Person, {"gender": "F"}, among=both) == {woman.pk}
    assert rows(admin_client, Person, {"q": woman.reveal_id_number()}, among=both) == {woman.pk}


# --- households ----------------------------------------------------------------------------------------

def test_the_household_list_keeps_the_district_and_the_head_asked_for(admin_client, city):
    home = f.household(community=city.community, head_name="王小明", members=1)
    away = f.household(community=city.other_community, head_name="李四", members=1)
    both = (home, away)
    assert rows(admin_client, Household, {}, among=both) == {home.pk, away.pk}
    assert rows(admin_client, Household, {"district": city.other_district.code}, among=both) == {away.pk}
    assert rows(admin_client, Household, {"q": "王小明"}, among=both) == {home.pk}
    member = home.members.exclude(person=home.head).first().person
    assert rows(admin_client, Household, {"q": member.reveal_id_number()}, among=both) == {home.pk}


# --- department data: records and batches ---------------------------------------------------------------

def _batches(city):
    first, second = f.person(name="孙一"), f.person(name="孙二")
    income = department_batch_import(actor=None, source="hrss", file_name="人社收入.csv", records=[
        {"id_number": first.reveal_id_number(), "kind": "income", "period_start": "2025-01-01",
         "period_end": "2025-01-31", "amount": "2100.00"}])
    medical = department_batch_import(actor=None, source="medins", file_name="医保支出.csv", records=[
        {"id_number": second.reveal_id_number(), "kind": "medical_expense", "period_start": "2025-02-01",
         "period_end": "2025-02-28", "amount": "880.00"}])
    assert income.loaded_rows == medical.loaded_rows == 1
    return first, second, income, medical


def test_the_department_record_list_keeps_the_batch_the_source_and_the_person_asked_for(admin_client, city):
    first, second, income, medical = _batches(city)
    one = DepartmentRecord.objects.get(batch=income)
    two = DepartmentRecord.objects.get(batch=medical)
    assert one.person == first and two.person == second
    both = (one, two)
    assert rows(admin_client, DepartmentRecord, {}, among=both) == {one.pk, two.pk}
    assert rows(admin_client, DepartmentRecord, {"q": str(medical.pk)}, among=both) == {two.pk}
    assert rows(admin_client, DepartmentRecord, {"source": "hrss"}, among=both) == {one.pk}
    assert rows(admin_client, DepartmentRecord, {"kind": "medical_expense"}, among=both) == {two.pk}
    assert rows(admin_client, DepartmentRecord, {"q": first.reveal_id_number()}, among=both) == {one.pk}


def test_the_import_batch_list_keeps_the_source_and_the_file_asked_for(admin_client, city):
    _first, _second, income, medical = _batches(city)
    both = (income, medical)
    assert rows(admin_client, ImportBatch, {}, among=both) == {income.pk, medical.pk}
    assert rows(admin_client, ImportBatch, {"source": "medins"}, among=both) == {medical.pk}
    assert rows(admin_client, ImportBatch, {"q": "人社收入"}, among=both) == {income.pk}


# --- worklist -------------------------------------------------------------------------------------------

def test_the_work_item_list_keeps_the_overdue_the_district_and_the_title_asked_for(admin_client, city):
    late, _ = workitem_raise(kind="test", title="逾期事项：核对收入", region_code=city.community.code,
                             due_at=timezone.now() - dt.timedelta(hours=3))
    away, _ = workitem_raise(kind="test", title="江北入户调查", region_code=city.other_community.code,
                             due_at=timezone.now() + dt.timedelta(days=3))
    both = (late, away)
    assert rows(admin_client, WorkItem, {}, among=both) == {late.pk, away.pk}
    assert rows(admin_client, WorkItem, {"overdue": "yes"}, among=both) == {late.pk}
    assert rows(admin_client, WorkItem, {"overdue": "no"}, among=both) == {away.pk}
    assert rows(admin_client, WorkItem, {"district": city.other_district.code}, among=both) == {away.pk}
    assert rows(admin_client, WorkItem, {"q": "逾期"}, among=both) == {late.pk}


# --- audit ------------------------------------------------------------------------------------------------

def test_the_audit_event_list_keeps_the_action_the_area_and_the_object_asked_for(admin_client, city):
    worklist_event = audit_log(actor=None, action="worklist.test_alpha", object_type="worklist.workitem",
                               object_id="424242")
    registry_event = audit_log(actor=None, action="registry.test_beta", object_type="registry.person",
                               object_id="515151")
    both = (worklist_event, registry_event)
    assert rows(admin_client, AuditEvent, {}, among=both) == {worklist_event.pk, registry_event.pk}
    assert rows(admin_client, AuditEvent, {"action": "registry.test_beta"}) == {registry_event.pk}
    assert rows(admin_client, AuditEvent, {"q": "424242"}) == {worklist_event.pk}
    assert rows(admin_client, AuditEvent, {"area": "worklist"}, among=both) == {worklist_event.pk}
