"""先救助后补办: an emergency temporary-aid case is submitted without materials and a worklist
item to collect them is raised; it closes when they arrive or with the application. Any other
case still needs its materials before submit."""
from __future__ import annotations

import pytest

from assistance import services as svc
from assistance.models import Application, ApplicationStatus
from civilaffairs.worklist.models import ItemStatus, WorkItem
from tests.assistance.conftest import pdf
from tests.assistance.test_api import post

pytestmark = pytest.mark.django_db


def _new(resident, household, *, emergency: bool) -> Application:
    r = post(resident, "applications/", {"household": household.pk, "applicant": household.head.pk,
                                         "programmes": ["temporary"], "reason": "突发重病，无力支付医疗费。",
                                         "emergency": emergency})
    assert r.status_code == 201, r.content
    return Application.objects.get(pk=r.json()["id"])


def _item(app):
    return WorkItem.objects.filter(dedupe_key=f"assistance.application:{app.pk}:materials").first()


def test_an_emergency_case_is_submitted_without_materials_and_the_item_closes_when_they_arrive(
        poor_household, resident, staff):
    app = _new(resident, poor_household, emergency=True)
    r = post(resident, f"applications/{app.pk}/submit/")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted"
    item = _item(app)
    assert item is not None and item.status == ItemStatus.OPEN and item.kind == "assistance.materials"
    assert item.region_id == app.community_id and "补收证明材料" in item.title
    svc.application_accept(actor=staff["township"], application_id=app.pk)
    # the resident may still bring them in after acceptance
    r = post(resident, f"applications/{app.pk}/materials/", {"kind": "id_card", "file": pdf()}, format="multipart")
    assert r.status_code == 201, r.content
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and "已补交材料" in item.outcome


def test_the_materials_item_closes_with_the_application(poor_household, resident, staff):
    app = _new(resident, poor_household, emergency=True)
    svc.application_submit(actor=resident, application_id=app.pk)
    svc.application_withdraw(actor=staff["township"], application_id=app.pk, reason="已由亲属资助")
    item = _item(app)
    assert item.status == ItemStatus.DONE and "不再补收材料" in item.outcome


def test_a_case_that_is_not_an_emergency_still_needs_its_materials(poor_household, resident):
    app = _new(resident, poor_household, emergency=False)
    r = post(resident, f"applications/{app.pk}/submit/")
    assert r.status_code == 400 and "尚未上传任何证明材料" in str(r.json())
    assert "只有急难情形的临时救助可以先提交、后补材料" in str(r.json())
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and _item(app) is None
