"""Assistance personas and an application walked through the services to any state."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone

from assistance import services as svc
from assistance.models import Application, ApplicationEvent, PublicNotice
from civilaffairs.registry.imports import department_batch_import

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name="身份证.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def monthly_income(person, amount: str, *, months: int = 12, kind: str = "income", today=None):
    """Monthly department records for the 12 whole months before today's month."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    rows = []
    for i in range(1, months + 1):
        index = first.year * 12 + first.month - 1 - i
        start = dt.date(index // 12, index % 12 + 1, 1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        rows.append({"id_number": person.reveal_id_number(), "kind": kind, "period_start": start.isoformat(),
                     "period_end": end.isoformat(), "amount": amount})
    batch = department_batch_import(actor=None, source="hrss", records=rows)
    assert batch.error_rows == 0, batch.errors
    return batch


def elapse_notice(app: Application, days: int = 10) -> None:
    """Let ``days`` pass since the notice was posted: the notice's dates and the application's
    events so far move back together (a notice may no longer be backdated, so tests age it)."""
    shift = dt.timedelta(days=days)
    PublicNotice.objects.filter(application=app).update(starts_on=F("starts_on") - shift,
                                                         ends_on=F("ends_on") - shift)
    ApplicationEvent.objects.filter(application=app).update(created_at=F("created_at") - shift)


def walk(app: Application, to: str, *, resident, township, grid, district=None) -> Application:
    """Advance ``app`` through the normal path until it reaches status ``to``."""
    order = ["draft", "submitted", "accepted", "verified", "visited", "notice", "decision", "approved"]
    steps = {
        "submitted": lambda: svc.application_submit(actor=resident, application_id=app.pk),
        "accepted": lambda: svc.application_accept(actor=township, application_id=app.pk),
        "verified": lambda: svc.application_verify(actor=township, application_id=app.pk),
        "visited": lambda: svc.visit_record(actor=grid, application_id=app.pk, visited_at=timezone.now(),
                                            visitors="网格员", findings="家中仅一人有收入，居住条件简陋。",
                                            recommendation="建议纳入低保"),
        "notice": lambda: (svc.notice_start(actor=township, application_id=app.pk), elapse_notice(app)),
        "decision": lambda: svc.notice_close(actor=township, application_id=app.pk),
        "approved": lambda: svc.application_approve(actor=district, application_id=app.pk),
    }
    app.refresh_from_db()
    for status in order[order.index(app.status) + 1: order.index(to) + 1]:
        steps[status]()
        app.refresh_from_db()
    return app


@pytest.fixture
def poor_household(home_household):
    """王小明户: 3 members, only the head earns 1500 元/month -> per capita 500 元."""
    monthly_income(home_household.head, "1500.00")
    return home_household


@pytest.fixture
def draft(poor_household, resident):
    app = svc.application_create(actor=resident, household=poor_household, applicant=poor_household.head,
                                 programmes=["dibao"], reason="家庭收入低，孩子上学开支大。")
    svc.application_set_members(actor=resident, application_id=app.pk, members=[
        {"person_id": m.person_id, "declared_monthly_income": "1500" if m.relation == "head" else "0"}
        for m in app.members.all()])
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    return app


@pytest.fixture
def staff(grid_worker, township_officer, district_approver):
    return {"grid": grid_worker, "township": township_officer, "district": district_approver}


@pytest.fixture
def at(draft, resident, staff):
    def _at(status: str) -> Application:
        return walk(draft, status, resident=resident, **staff)
    return _at


EXPECTED_TOPUP = Decimal("1905.00")  # (1135 − 500) × 3


@pytest.fixture
def second_approver(city):
    """Another district approver of the same district: the four-eyes rule's second person."""
    from tests import factories as f

    return f.staff(username="district-2", role="district_approver", region=city.district)
