"""Money limits and the four-eyes rule (issue 9): ceilings from dated, region-scoped parameters,
refused the same way from the service, the HTML form, the API and the admin; a roll, a large
decision and a "paid" result each need a second person; the database refuses absurd amounts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assistance import services as svc
from assistance.models import (
    Application, ApplicationStatus, Benefit, Decision, DecisionState, PriceSubsidyRound,
)
from assistance.workflow import FourEyes
from civilaffairs.audit.models import AuditEvent
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import LineStatus, PaymentLine, PaymentRoll, RollStatus
from civilaffairs.registry.models import PolicyParameter
from civilaffairs.registry.services import parameter_set
from civilaffairs.worklist.models import WorkItem
from tests.assistance.conftest import EXPECTED_TOPUP, pdf, walk
from tests.assistance.test_api import api_as, post

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def url(name, *args):
    return reverse(f"assistance:{name}", args=args)


def purl(name, *args):
    return reverse(f"payments:{name}", args=args)


def limit(key: str, value: str, *, region: str = "330203", since: dt.date | None = None):
    """A district value of ``key`` from ``since`` (default today): overrides the city's default."""
    return parameter_set(actor=None, key=key, region_code=region, value=Decimal(value),
                         effective_from=since or TODAY())


def temporary(household, actor, *, amount=None, emergency=True, submit=True) -> Application:
    app = svc.application_create(actor=actor, household=household, applicant=household.head,
                                 programmes=["temporary"], reason="突发重病住院", emergency=emergency,
                                 temporary_aid_amount=None if amount is None else Decimal(amount))
    if submit:
        svc.material_add(actor=actor, application_id=app.pk, uploaded=pdf("住院证明.pdf"), kind="medical")
        svc.application_submit(actor=actor, application_id=app.pk)
    return app


# --- the parameters ------------------------------------------------------------------------------------

def test_the_limits_are_seeded_at_city_level_by_the_migration(city):
    """The migration's own seeding step, run on a city without them (a transactional test elsewhere in
    the suite may have flushed what the test database's migrate seeded)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("assistance.migrations.0005_money_limits_and_four_eyes")
    names = {key for key, _value, _note in migration.LIMITS}
    PolicyParameter.objects.filter(key__in=names).delete()
    migration.seed_limits(apps, None)
    keys = set(PolicyParameter.objects.filter(region_id="3302").values_list("key", flat=True))
    assert {"temporary_aid_ceiling", "emergency_township_ceiling", "decision_second_approval_monthly",
            "decision_second_approval_one_off", "declared_income_max"} <= keys
    assert PolicyParameter.objects.get(key="temporary_aid_ceiling", region_id="3302").value == 20000


def test_a_date_before_any_limit_is_a_clear_error_not_a_500(city):
    from assistance.limits import money_limits

    with pytest.raises(ValidationError, match="没有适用的救助金额上限参数"):
        money_limits(region_code=city.community.code, on=dt.date(2000, 1, 1))


def test_the_districts_own_ceiling_applies_from_its_effective_date_and_not_the_day_before(city):
    from assistance.limits import money_limits

    limit("temporary_aid_ceiling", "8000", since=TODAY() + dt.timedelta(days=1))
    assert money_limits(region_code=city.community.code, on=TODAY())["temporary_aid_ceiling"] == Decimal("20000.00")
    tomorrow = money_limits(region_code=city.community.code, on=TODAY() + dt.timedelta(days=1))
    assert tomorrow["temporary_aid_ceiling"] == Decimal("8000.00")
    assert money_limits(region_code=city.other_community.code, on=TODAY() + dt.timedelta(days=1))[
        "temporary_aid_ceiling"] == Decimal("20000.00")  # another district keeps the city's value


# --- temporary-aid ceiling per case -------------------------------------------------------------------------

@pytest.mark.parametrize("amount, ok", [("19999.99", True), ("20000.00", True), ("20000.01", False),
                                        ("9999999999", False)])
def test_a_temporary_aid_amount_is_bounded_by_the_ceiling_per_case(grid_worker, poor_household, amount, ok):
    if ok:
        assert temporary(poor_household, grid_worker, amount=amount, submit=False).temporary_aid_amount == \
            Decimal(amount)
    else:
        with pytest.raises(ValidationError, match="超过单次上限 20000.00 元"):
            temporary(poor_household, grid_worker, amount=amount, submit=False)
        assert not Application.objects.exists()


def test_the_ceiling_in_force_today_decides_and_tomorrows_does_not_yet(grid_worker, poor_household):
    limit("temporary_aid_ceiling", "3000", since=TODAY() + dt.timedelta(days=1))
    temporary(poor_household, grid_worker, amount="5000", submit=False)  # today's ceiling is still 20000
    PolicyParameter.objects.filter(key="temporary_aid_ceiling", region_id="330203").delete()
    Application.objects.all().delete()
    limit("temporary_aid_ceiling", "3000", since=TODAY())
    with pytest.raises(ValidationError, match="超过单次上限 3000.00 元"):
        temporary(poor_household, grid_worker, amount="3000.01", submit=False)


def test_a_lowered_ceiling_is_checked_again_at_approval(grid_worker, township_officer, district_approver,
                                                        poor_household):
    app = temporary(poor_household, grid_worker, amount="9000", emergency=False)
    limit("temporary_aid_ceiling", "8000")
    with pytest.raises(ValidationError, match="超过单次上限 8000.00 元"):
        walk(app, "approved", resident=grid_worker, township=township_officer, grid=grid_worker,
             district=district_approver)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DECISION and not PaymentLine.objects.exists()


def test_the_on_behalf_form_refuses_an_amount_above_the_ceiling(client, grid_worker, poor_household):
    client.force_login(grid_worker)
    head = poor_household.head
    r = client.post(url("apply_on_behalf", poor_household.pk), {
        "applicant": head.pk, "channel": "proactive", "programmes": ["temporary"], "reason": "主动发现线索",
        "temporary_aid_amount": "9999999999"})
    assert "超过单次上限 20000.00 元" in r.content.decode()
    assert not Application.objects.exists()
    r = client.post(url("apply_on_behalf", poor_household.pk), {
        "applicant": head.pk, "channel": "proactive", "programmes": ["temporary"], "reason": "主动发现线索",
        "temporary_aid_amount": "20000.01"})
    assert "超过单次上限 20000.00 元" in r.content.decode()
    assert not Application.objects.exists()


def test_the_api_refuses_an_amount_above_the_ceiling_with_a_chinese_400(grid_worker, poor_household):
    r = post(grid_worker, "applications/", {"household": poor_household.pk, "applicant": poor_household.head.pk,
                                            "programmes": ["temporary"], "channel": "proactive",
                                            "reason": "主动发现线索", "temporary_aid_amount": "20000.01"})
    assert r.status_code == 400 and "超过单次上限" in r.content.decode()
    assert not Application.objects.exists()


# --- declared incomes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("income, ok", [("100000.00", True), ("100000.01", False), ("NaN", False),
                                        ("Infinity", False)])
def test_a_declared_income_above_the_plausibility_bound_is_refused(draft, resident, income, ok):
    head = draft.members.get(relation="head")
    call = lambda: svc.application_set_members(actor=resident, application_id=draft.pk, members=[  # noqa: E731
        {"person_id": head.person_id, "declared_monthly_income": income}])
    if ok:
        call()
        head.refresh_from_db()
        assert head.declared_monthly_income == Decimal(income)
    else:
        with pytest.raises(ValidationError, match="合理上限|不是有效金额"):
            call()
        head.refresh_from_db()
        assert head.declared_monthly_income == Decimal("1500")


def test_the_members_api_refuses_an_absurd_income(resident, draft):
    head = draft.members.get(relation="head")
    r = post(resident, f"applications/{draft.pk}/members/",
             {"members": [{"person_id": head.person_id, "declared_monthly_income": "9999999999"}]})
    assert r.status_code == 400 and "合理上限" in r.content.decode()


# --- 先行救助: the township alone, the district above, nobody above the ceiling ------------------------------

@pytest.mark.parametrize("amount, paid", [("4999.99", True), ("5000.00", True), ("5000.01", False)])
def test_a_township_pays_alone_up_to_its_ceiling_and_requests_the_district_above(grid_worker, township_officer,
                                                                                poor_household, amount, paid):
    app = temporary(poor_household, grid_worker, amount=amount)
    decision = svc.application_emergency_pay(actor=township_officer, application_id=app.pk)
    app.refresh_from_db()
    if paid:
        assert decision.state == DecisionState.EFFECTIVE and app.emergency_paid_at is not None
        assert PaymentLine.objects.get().amount == Decimal(amount)
    else:
        assert decision.state == DecisionState.PROPOSED and app.emergency_paid_at is None
        assert not PaymentLine.objects.exists()
        item = WorkItem.objects.get(kind="assistance.emergency_request")
        assert item.region_id == "330203"  # the district's worklist


def test_nobody_pays_an_emergency_above_the_temporary_aid_ceiling(grid_worker, township_officer, district_approver,
                                                                  poor_household):
    app = temporary(poor_household, grid_worker)
    for actor in (township_officer, district_approver):
        with pytest.raises(ValidationError, match="超过单次上限"):
            svc.application_emergency_pay(actor=actor, application_id=app.pk, amount=Decimal("9999999999"))
    assert not PaymentLine.objects.exists() and not Decision.objects.exists()


def test_a_requested_emergency_is_paid_when_a_district_approver_confirms_it(grid_worker, township_officer,
                                                                           district_approver, poor_household):
    app = temporary(poor_household, grid_worker)
    svc.application_emergency_pay(actor=township_officer, application_id=app.pk, amount=Decimal("8000"))
    with pytest.raises(PermissionDenied):  # a township cannot confirm: the district approves
        svc.application_emergency_confirm(actor=township_officer, application_id=app.pk)
    with pytest.raises(ValidationError, match="已报区县审批"):
        svc.application_emergency_pay(actor=township_officer, application_id=app.pk, amount=Decimal("1000"))
    payment = svc.application_emergency_confirm(actor=district_approver, application_id=app.pk, note="同意")
    assert payment.amount == Decimal("8000.00")
    decision = Decision.objects.get()
    assert decision.state == DecisionState.EFFECTIVE and decision.confirmed_by == district_approver
    assert decision.decided_by == township_officer
    assert not WorkItem.objects.filter(kind="assistance.emergency_request", status__in=["open", "in_progress"]).exists()
    assert AuditEvent.objects.filter(action="assistance.emergency_paid").exists()


def test_a_district_approver_cannot_confirm_their_own_emergency_request(grid_worker, district_approver,
                                                                        second_approver, poor_household):
    app = temporary(poor_household, grid_worker)
    # The district pays alone up to the one-off four-eyes threshold (10000); above it a second approver confirms.
    assert svc.application_emergency_pay(actor=district_approver, application_id=app.pk,
                                         amount=Decimal("10000.01")).state == DecisionState.PROPOSED
    with pytest.raises(FourEyes, match="拟定人不能确认本人拟定的决定"):
        svc.application_emergency_confirm(actor=district_approver, application_id=app.pk)
    svc.application_emergency_confirm(actor=second_approver, application_id=app.pk)
    assert PaymentLine.objects.get().amount == Decimal("10000.01")


def test_a_declined_request_pays_nothing_and_the_township_may_ask_again(grid_worker, township_officer,
                                                                        district_approver, poor_household):
    app = temporary(poor_household, grid_worker)
    svc.application_emergency_pay(actor=township_officer, application_id=app.pk, amount=Decimal("8000"))
    with pytest.raises(ValidationError):
        svc.application_emergency_decline(actor=district_approver, application_id=app.pk, reason=" ")
    svc.application_emergency_decline(actor=district_approver, application_id=app.pk, reason="金额过高")
    assert Decision.objects.get().state == DecisionState.DECLINED and not PaymentLine.objects.exists()
    assert svc.application_emergency_pay(actor=township_officer, application_id=app.pk,
                                         amount=Decimal("3000")).state == DecisionState.EFFECTIVE


def test_the_emergency_form_requests_the_district_above_the_township_ceiling(client, grid_worker, township_officer,
                                                                            district_approver, poor_household):
    app = temporary(poor_household, grid_worker)
    client.force_login(township_officer)
    r = client.post(url("application_act", app.pk, "emergency"), {"emergency-amount": "9999999999"})
    assert r.status_code == 400 and "超过单次上限" in r.content.decode()
    r = client.post(url("application_act", app.pk, "emergency"), {"emergency-amount": "5000.01"}, follow=True)
    assert "已报区县审批" in r.content.decode() and not PaymentLine.objects.exists()
    assert "批准先行救助" not in r.content.decode()  # the township is not offered the district's step
    client.force_login(district_approver)
    page = client.get(url("application_detail", app.pk)).content.decode()
    assert "批准先行救助" in page and "5000.01" in page
    client.post(url("application_act", app.pk, "emergency_confirm"), {"emergency_confirm-note": "同意"})
    assert PaymentLine.objects.get().amount == Decimal("5000.01")


def test_the_emergency_api_answers_202_for_a_request_and_403_to_the_requester(grid_worker, district_approver,
                                                                            second_approver, township_officer,
                                                                            poor_household):
    app = temporary(poor_household, grid_worker)
    r = post(township_officer, f"applications/{app.pk}/emergency-pay/", {"amount": "20000.01"})
    assert r.status_code == 400 and "超过单次上限" in r.content.decode()
    r = post(district_approver, f"applications/{app.pk}/emergency-pay/", {"amount": "12000"})
    assert r.status_code == 202 and r.json()["state"] == "proposed"
    r = post(district_approver, f"applications/{app.pk}/emergency-confirm/")
    assert r.status_code == 403 and "拟定人不能确认" in r.content.decode()
    r = post(second_approver, f"applications/{app.pk}/emergency-confirm/")
    assert r.status_code == 201 and r.json()["amount"] == "12000.00"


# --- a large decision takes a second approver ----------------------------------------------------------------

def test_a_decision_at_the_threshold_takes_effect_and_one_above_is_only_proposed(at, staff, second_approver):
    limit("decision_second_approval_monthly", str(EXPECTED_TOPUP))  # exactly at the threshold: one approver
    app = at("approved")
    assert Decision.objects.get(application=app).state == DecisionState.EFFECTIVE
    assert Benefit.objects.get(household=app.household).monthly_amount == EXPECTED_TOPUP


def test_a_decision_above_the_threshold_needs_another_district_approver(at, staff, second_approver):
    limit("decision_second_approval_monthly", str(EXPECTED_TOPUP - Decimal("0.01")))
    app = at("decision")
    decision = svc.application_approve(actor=staff["district"], application_id=app.pk, note="拟同意")
    app.refresh_from_db()
    assert decision.state == DecisionState.PROPOSED and app.status == ApplicationStatus.PROPOSED
    assert not Benefit.objects.exists()
    assert WorkItem.objects.filter(kind="assistance.proposed", region_id="330203", status="open").exists()
    with pytest.raises(FourEyes, match="拟定人不能确认本人拟定的决定"):
        svc.application_confirm(actor=staff["district"], application_id=app.pk)
    # The threshold raised meanwhile changes nothing: the proposal is confirmed as proposed.
    svc.application_confirm(actor=second_approver, application_id=app.pk, note="同意")
    app.refresh_from_db()
    decision.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED and decision.confirmed_by == second_approver
    assert Benefit.objects.get(household=app.household).monthly_amount == EXPECTED_TOPUP
    assert AuditEvent.objects.filter(action="assistance.application_confirm").exists()


def test_a_rejected_proposal_is_declined_and_grants_nothing(at, staff, second_approver):
    limit("decision_second_approval_monthly", "100")
    app = at("decision")
    svc.application_approve(actor=staff["district"], application_id=app.pk)
    svc.application_reject(actor=second_approver, application_id=app.pk, reason="收入核对有误")
    assert Decision.objects.get(outcome="approved").state == DecisionState.DECLINED
    assert not Benefit.objects.exists()


def test_the_approve_page_offers_confirmation_only_to_the_other_approver(client, at, staff, second_approver):
    limit("decision_second_approval_monthly", "100")
    app = at("decision")
    client.force_login(staff["district"])
    r = client.post(url("application_act", app.pk, "approve"), {"approve-note": ""}, follow=True)
    assert "待另一名区县审批人确认" in r.content.decode()
    assert "确认批准（第二审批人）" not in r.content.decode()
    r = client.post(url("application_act", app.pk, "confirm"), {"confirm-note": ""}, follow=True)
    assert "拟定人不能确认本人拟定的决定" in r.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PROPOSED
    client.force_login(second_approver)
    assert "确认批准（第二审批人）" in client.get(url("application_detail", app.pk)).content.decode()
    client.post(url("application_act", app.pk, "confirm"), {"confirm-note": "同意"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_the_confirm_api_refuses_the_proposer_with_403(at, staff, second_approver):
    limit("decision_second_approval_monthly", "100")
    app = at("decision")
    r = post(staff["district"], f"applications/{app.pk}/approve/")
    assert r.status_code == 200 and r.json()["status"] == "proposed"
    r = post(staff["district"], f"applications/{app.pk}/confirm/")
    assert r.status_code == 403 and "拟定人不能确认" in r.content.decode()
    r = post(second_approver, f"applications/{app.pk}/confirm/")
    assert r.status_code == 200 and r.json()["status"] == "approved"


# --- payment rolls: made by one, approved by another; exported by one, "paid" by another -----------------------

def _roll(city, actor):
    roll, _created = pay.payment_roll_generate(programme="assistance",
                                               district_code=city.district.code, month=TODAY(), actor=actor)
    return roll


def test_the_person_who_generated_a_roll_cannot_approve_it(at, city, staff, second_approver):
    at("approved")
    roll = _roll(city, staff["district"])
    with pytest.raises(FourEyes, match="生成人不能审批本人生成的发放名册"):
        pay.payment_roll_approve(actor=staff["district"], roll_id=roll.pk)
    roll.refresh_from_db()
    assert roll.status == RollStatus.GENERATED and roll.generated_by == staff["district"]
    pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    roll.refresh_from_db()
    assert roll.status == RollStatus.APPROVED and roll.approved_by == second_approver


def test_the_person_who_last_topped_up_a_roll_cannot_approve_it(at, city, staff, second_approver):
    roll = _roll(city, None)  # the monthly job: nothing to pay yet
    at("approved")
    _roll(city, second_approver)  # adds the new benefit's line
    roll.refresh_from_db()
    assert roll.changed_by == second_approver and roll.lines.count() == 1
    with pytest.raises(FourEyes, match="最后补充名册的人不能审批该名册"):
        pay.payment_roll_approve(actor=second_approver, roll_id=roll.pk)
    pay.payment_roll_approve(actor=staff["district"], roll_id=roll.pk)


def test_the_exporter_cannot_record_the_bank_paid_a_line_but_may_record_a_failure(at, city, staff,
                                                                                  second_approver):
    at("approved")
    roll = _roll(city, None)
    line = roll.lines.get()
    pay.payment_roll_approve(actor=staff["district"], roll_id=roll.pk)
    with pytest.raises(ValidationError, match="导出银行后方可登记"):
        pay.payment_mark(actor=second_approver, payment_id=line.pk, paid=True)
    pay.payment_roll_export(actor=staff["district"], roll_id=roll.pk)
    with pytest.raises(FourEyes, match="导出银行文件的人不能登记本人导出的款项为已发放"):
        pay.payment_mark(actor=staff["district"], payment_id=line.pk, paid=True)
    pay.payment_mark(actor=staff["district"], payment_id=line.pk, paid=False, reason="账户冻结")
    pay.payment_retry(actor=staff["district"], payment_id=line.pk)
    paid = pay.payment_mark(actor=second_approver, payment_id=line.pk, paid=True)
    assert paid.status == LineStatus.PAID and paid.marked_by == second_approver
    event = AuditEvent.objects.filter(action="payments.line_marked").latest("id")
    assert event.actor_id == second_approver.pk


def test_the_roll_pages_show_the_four_eyes_refusals(client, at, city, staff, second_approver):
    at("approved")
    client.force_login(staff["district"])
    client.post(purl("roll_list"), {"district": city.district.code, "month": TODAY().strftime("%Y-%m")})
    roll = PaymentRoll.objects.get()
    r = client.post(purl("roll_approve", roll.pk), follow=True)
    assert "生成人不能审批本人生成的发放名册" in r.content.decode()
    roll.refresh_from_db()
    assert roll.status == RollStatus.GENERATED
    client.force_login(second_approver)
    client.post(purl("roll_approve", roll.pk))
    client.post(purl("roll_export", roll.pk))
    line = roll.lines.get()
    r = client.post(purl("line_mark", line.pk), {"result": "paid"}, follow=True)
    assert "导出银行文件的人不能登记本人导出的款项为已发放" in r.content.decode()
    line.refresh_from_db()
    assert line.status == LineStatus.PENDING
    client.force_login(staff["district"])
    client.post(purl("line_mark", line.pk), {"result": "paid"})
    line.refresh_from_db()
    assert line.status == LineStatus.PAID


def test_the_roll_api_refuses_the_generator_with_403(at, city, staff, second_approver):
    at("approved")
    r = api_as(staff["district"]).post("/api/v1/payments/rolls/generate/", {"district": city.district.code,
                                                                           "month": TODAY().isoformat()},
                                       format="json")
    assert r.status_code in (200, 201), r.content
    roll = PaymentRoll.objects.get()
    r = api_as(staff["district"]).post(f"/api/v1/payments/rolls/{roll.pk}/approve/")
    assert r.status_code == 403 and "生成人不能审批" in r.content.decode()
    assert api_as(second_approver).post(f"/api/v1/payments/rolls/{roll.pk}/approve/").status_code == 200
    assert api_as(second_approver).post(f"/api/v1/payments/rolls/{roll.pk}/export/").status_code == 200
    line = roll.lines.get()
    r = api_as(second_approver).post(f"/api/v1/payments/lines/{line.pk}/mark/", {"paid": True}, format="json")
    assert r.status_code == 403 and "导出银行文件的人不能" in r.content.decode()
    assert api_as(staff["district"]).post(f"/api/v1/payments/lines/{line.pk}/mark/", {"paid": True},
                                          format="json").status_code == 200


def test_the_admin_approve_action_refuses_the_generator(client, at, city, admin_user):
    at("approved")
    roll = _roll(city, admin_user)
    client.force_login(admin_user)
    r = client.post(reverse("admin:payments_paymentroll_changelist"),
                    {"action": "approve_rolls", "_selected_action": [roll.pk]}, follow=True)
    assert "生成人不能审批本人生成的发放名册" in r.content.decode()
    roll.refresh_from_db()
    assert roll.status == RollStatus.GENERATED


def test_the_admin_refuses_a_price_subsidy_above_the_cap(client, admin_user):
    client.force_login(admin_user)
    r = client.post(reverse("admin:assistance_pricesubsidyround_add"), {
        "name": "物价补贴", "month": TODAY().replace(day=1).isoformat(), "amount_per_person": "100000.01",
        "multiplier": "1", "programmes": ["dibao"]})
    assert r.status_code == 200 and "每人金额不能超过 100000 元" in r.content.decode()
    assert not PriceSubsidyRound.objects.exists()


# --- the database refuses absurd amounts, whoever writes them ------------------------------------------------

def test_the_database_refuses_absurd_or_negative_amounts(at, city, staff, second_approver):
    app = at("approved")
    benefit = Benefit.objects.get(household=app.household)
    for qs, values in [
        (Application.objects.filter(pk=app.pk), {"temporary_aid_amount": Decimal("9999999999")}),
        (Application.objects.filter(pk=app.pk), {"temporary_aid_amount": Decimal("-1")}),
        (Benefit.objects.filter(pk=benefit.pk), {"monthly_amount": Decimal("100000.01")}),
        (app.members.all(), {"declared_monthly_income": Decimal("10000000.01")}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            qs.update(**values)
    roll = _roll(city, None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.filter(roll=roll).update(amount=Decimal("1000000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(application=app).update(confirmed_by=staff["district"])  # confirmer ≠ decider
    roll.generated_by = staff["district"]
    roll.save(update_fields=["generated_by"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRoll.objects.filter(pk=roll.pk).update(approved_by=staff["district"])
