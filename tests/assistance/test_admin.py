"""Assistance admin: every page loads for a superuser, nothing is editable, writes go through services."""
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from assistance import services as svc
from assistance.models import (
    Application, ApplicationStatus, Benefit, Decision, HomeVisit, Objection, PriceSubsidyRound, PublicNotice, Review,
    VerificationReport,
)
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import PaymentLine, PaymentRoll, RollStatus
from civilaffairs.audit.models import AuditEvent
from tests.assistance.conftest import elapse_notice

MODELS = [Application, Benefit, Decision, HomeVisit, Objection, PaymentLine, PaymentRoll, PriceSubsidyRound,
          PublicNotice, Review, VerificationReport]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def populated(at, city, staff, city_admin):
    app = at("visited")
    svc.notice_start(actor=staff["township"], application_id=app.pk)
    elapse_notice(app)
    objection = svc.objection_record(actor=staff["grid"], application_id=app.pk, content="反映有经营收入")
    svc.objection_resolve(actor=staff["township"], objection_id=objection.pk, resolution="无", upheld=False)
    app = at("approved")
    svc.price_subsidy_round_create(actor=city_admin, name="物价补贴", month=timezone.localdate(),
                                   amount_per_person=Decimal("60"), programmes=["dibao"])
    pay.payment_roll_generate(programme="assistance", district_code=city.district.code, month=timezone.localdate())
    svc.review_round_start()
    return app


def test_every_assistance_changelist_and_change_page_loads_for_a_superuser(admin_client, populated):
    for model in MODELS:
        assert model in admin.site._registry, model
        assert admin_client.get(_url(model, "changelist")).status_code == 200, model
        obj = model.objects.first()
        assert obj is not None, model
        assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200, model


def test_searches_and_filters_answer(admin_client, populated, city):
    assert admin_client.get(_url(Application, "changelist"), {"q": "王小明", "programme": "dibao",
                                                              "district": city.district.code}).status_code == 200
    assert admin_client.get(_url(Application, "changelist"), {"q": populated.number}).status_code == 200
    assert admin_client.get(_url(Benefit, "changelist"), {"status": "active", "district": "330203"}).status_code == 200
    assert admin_client.get(_url(PaymentLine, "changelist"), {"status": "pending"}).status_code == 200


def test_nothing_is_editable_and_the_status_cannot_be_posted(admin_client, populated):
    assert admin_client.get(_url(Application, "add")).status_code == 403
    response = admin_client.post(_url(Application, "change", populated.pk), {"status": "rejected"})
    assert response.status_code == 403
    populated.refresh_from_db()
    assert populated.status == ApplicationStatus.APPROVED
    page = admin_client.get(_url(VerificationReport, "change", VerificationReport.objects.first().pk))
    assert "签章验证" in page.content.decode()


def test_a_price_subsidy_round_is_added_through_the_service(admin_client, admin_user, db):
    month = timezone.localdate().replace(day=15)  # a subsidy month lies near today (assistance.dates)
    response = admin_client.post(_url(PriceSubsidyRound, "add"), {
        "name": "本月物价补贴", "month": month.isoformat(), "amount_per_person": "60.00", "multiplier": "1.5",
        "programmes": ["dibao", "tekun"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    r = PriceSubsidyRound.objects.get()
    assert r.month == month.replace(day=1) and r.created_by == admin_user and r.multiplier == Decimal("1.5")
    assert AuditEvent.objects.filter(action="assistance.price_subsidy_created").exists()
    bad = admin_client.post(_url(PriceSubsidyRound, "add"), {"name": "x", "month": month.isoformat(),
                                                             "amount_per_person": "0", "multiplier": "1",
                                                             "programmes": ["dibao"]})
    assert bad.status_code == 200 and "大于零" in bad.content.decode()
    assert PriceSubsidyRound.objects.count() == 1


def test_the_roll_approve_action_calls_the_service(admin_client, populated):
    roll = PaymentRoll.objects.get()
    response = admin_client.post(_url(PaymentRoll, "changelist"),
                                 {"action": "approve_rolls", "_selected_action": [roll.pk]}, follow=True)
    assert response.status_code == 200
    roll.refresh_from_db()
    assert roll.status == RollStatus.APPROVED
    assert AuditEvent.objects.filter(action="payments.roll_approved").exists()
