import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from assistance import services as svc
from assistance.models import (
    ApplicationStatus, Benefit, BenefitStatus, Programme, Review, VerificationReport,
)
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import PaymentLine, PaymentRoll
from assistance.payables import one_off_key
from assistance.verification import verify_seal
from civilaffairs.audit.models import AuditEvent
from civilaffairs.notifications.models import Notification
from civilaffairs.worklist.models import WorkItem
from tests.assistance.conftest import EXPECTED_TOPUP, PNG, monthly_income, pdf, walk


def test_submitting_runs_the_precheck_and_tells_the_resident_in_plain_chinese(draft, resident):
    app = svc.application_submit(actor=resident, application_id=draft.pk)
    assert app.status == ApplicationStatus.SUBMITTED
    text = " ".join(app.precheck["hints"])
    assert "500.00" in text and "低于 1135 元的低保标准" in text
    assert app.precheck["disclaimer"]
    assert Notification.objects.filter(user=resident).exists()


def test_an_incomplete_application_cannot_be_submitted(poor_household, resident):
    app = svc.application_create(actor=resident, household=poor_household, applicant=poor_household.head,
                                 programmes=["dibao"])
    with pytest.raises(ValidationError) as exc:
        svc.application_submit(actor=resident, application_id=app.pk)
    assert any("材料" in m for m in exc.value.messages) and any("理由" in m for m in exc.value.messages)


def test_a_double_clicked_submit_is_refused_the_second_time(draft, resident):
    svc.application_submit(actor=resident, application_id=draft.pk)
    with pytest.raises(ValidationError):
        svc.application_submit(actor=resident, application_id=draft.pk)
    assert draft.events.filter(action="submit").count() == 1


def test_the_whole_path_ends_in_a_benefit_with_the_arithmetic(at, resident):
    app = at("approved")
    benefit = Benefit.objects.get(household=app.household, programme=Programme.DIBAO)
    assert benefit.status == BenefitStatus.ACTIVE and benefit.monthly_amount == EXPECTED_TOPUP
    decision = app.decisions.get()
    assert any("1905.00" in line for line in decision.lines[0]["lines"])
    assert decision.lines[-1]["parameters"]["dibao_standard"]["value"] == "1135.0000"
    statuses = list(app.events.values_list("to_status", flat=True))
    assert statuses == ["draft", "submitted", "accepted", "verified", "visited", "notice", "decision", "approved"]
    assert AuditEvent.objects.filter(action="assistance.application_approve", object_id=str(app.pk)).exists()
    # every waiting state had its own worklist item, and all are closed now
    items = WorkItem.objects.filter(dedupe_key__startswith=f"assistance.application:{app.pk}:")
    assert items.count() == 6 and not items.filter(status__in=["open", "in_progress"]).exists()


def test_each_waiting_state_is_on_the_right_worklist(at, staff):
    from civilaffairs.worklist.selectors import worklist_for_user

    at("submitted")
    assert worklist_for_user(user=staff["township"]).filter(kind="assistance.submitted").count() == 1
    assert not worklist_for_user(user=staff["grid"]).filter(kind="assistance.submitted").exists()
    at("verified")
    assert worklist_for_user(user=staff["grid"]).filter(kind="assistance.verified").count() == 1
    at("decision")
    assert worklist_for_user(user=staff["district"]).filter(kind="assistance.decision").count() == 1


WRONG = {
    "accept": ["grid_worker", "district_approver", "resident", "other_district_worker"],
    "verify": ["grid_worker", "resident", "other_district_worker"],
    "approve": ["township_officer", "grid_worker", "resident", "other_district_worker"],
}


@pytest.mark.parametrize("action,persona", [(a, p) for a, ps in WRONG.items() for p in ps])
def test_every_transition_is_refused_for_the_wrong_role_or_region(request, at, action, persona):
    state = {"accept": "submitted", "verify": "accepted", "approve": "decision"}[action]
    app = at(state)
    user = request.getfixturevalue(persona)
    call = {"accept": svc.application_accept, "verify": svc.application_verify,
            "approve": svc.application_approve}[action]
    with pytest.raises(PermissionDenied):
        call(actor=user, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == state


def test_a_district_approver_of_another_district_cannot_decide(at, city):
    from tests import factories as f

    other = f.staff(username="approver-jb", role="district_approver", region=city.other_district)
    app = at("decision")
    with pytest.raises(PermissionDenied):
        svc.application_reject(actor=other, application_id=app.pk, reason="x")


def test_a_resident_cannot_apply_for_another_household(other_household, resident):
    with pytest.raises(PermissionDenied):
        svc.application_create(actor=resident, household=other_household, applicant=other_household.head,
                               programmes=["dibao"])


def test_no_approval_without_a_verification_report(at, staff):
    app = at("decision")
    VerificationReport.objects.filter(application=app).update(application=None)
    with pytest.raises(ValidationError) as exc:
        svc.application_approve(actor=staff["district"], application_id=app.pk)
    assert "核对" in str(exc.value)


def test_a_sealed_report_altered_afterwards_fails_verification(at, staff):
    app = at("decision")
    report = app.verification_reports.get()
    assert verify_seal(content=report.content, digest=report.digest, signature=report.seal)
    content = report.content
    content["summary"]["per_capita_monthly_income"] = "100.00"
    VerificationReport.objects.filter(pk=report.pk).update(content=content)
    report.refresh_from_db()
    assert not verify_seal(content=report.content, digest=report.digest, signature=report.seal)
    with pytest.raises(ValidationError) as exc:
        svc.application_approve(actor=staff["district"], application_id=app.pk)
    assert "签章验证失败" in str(exc.value)


def test_the_notice_cannot_close_before_it_ends_or_with_open_objections(at, staff):
    app = at("visited")
    svc.notice_start(actor=staff["township"], application_id=app.pk)
    with pytest.raises(ValidationError):
        svc.notice_close(actor=staff["township"], application_id=app.pk)
    objection = svc.objection_record(actor=staff["grid"], application_id=app.pk, content="邻居反映其有经营收入")
    later = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(ValidationError):
        svc.notice_close(actor=staff["township"], application_id=app.pk, today=later)
    svc.objection_resolve(actor=staff["township"], objection_id=objection.pk, resolution="经核实无经营收入",
                          upheld=False)
    svc.notice_close(actor=staff["township"], application_id=app.pk, today=later)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DECISION


def test_returned_for_more_material_then_resubmitted(at, staff, resident):
    app = at("submitted")
    with pytest.raises(ValidationError):
        svc.application_return(actor=staff["township"], application_id=app.pk, missing=" ")
    svc.application_return(actor=staff["township"], application_id=app.pk, missing="请补充医院诊断证明")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED and app.missing_materials == "请补充医院诊断证明"
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf("诊断证明.pdf"), kind="medical")
    svc.application_resubmit(actor=resident, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.missing_materials == ""


def test_a_resident_withdraws(at, resident):
    app = at("accepted")
    svc.application_withdraw(actor=resident, application_id=app.pk, reason="家庭情况好转")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN


@pytest.mark.parametrize("name,content,message", [
    ("假的.pdf", b"MZ\x90\x00 this is an exe", "不是有效的 PDF、JPG 或 PNG"),
    ("空.pdf", b"", "空文件"),
])
def test_hostile_uploads_are_rejected_with_a_clear_message(draft, resident, name, content, message):
    before = draft.materials.count()
    with pytest.raises(ValidationError) as exc:
        svc.material_add(actor=resident, application_id=draft.pk, uploaded=SimpleUploadedFile(name, content),
                         kind="other")
    assert message in str(exc.value)
    assert draft.materials.count() == before


def test_an_oversized_upload_is_rejected(draft, resident, settings):
    settings.MATERIAL_MAX_BYTES = 1024
    big = SimpleUploadedFile("大.png", PNG + b"\x00" * 2048)
    with pytest.raises(ValidationError) as exc:
        svc.material_add(actor=resident, application_id=draft.pk, uploaded=big, kind="photo")
    assert "超过" in str(exc.value)


def test_the_content_decides_the_type_and_a_name_that_disagrees_is_refused(draft, resident):
    material = svc.material_add(actor=resident, application_id=draft.pk,
                                uploaded=SimpleUploadedFile("photo.png", PNG, content_type="application/pdf"),
                                kind="photo")
    assert material.content_type == "image/png"  # not the browser's claim
    with pytest.raises(ValidationError, match="扩展名与内容不符"):
        svc.material_add(actor=resident, application_id=draft.pk, uploaded=SimpleUploadedFile("photo.pdf", PNG),
                         kind="photo")


def test_the_monthly_roll_pays_each_benefit_once_however_often_it_runs(at, city):
    app = at("approved")
    month = timezone.localdate().replace(day=1)
    roll, created = pay.payment_roll_generate(programme="assistance", district_code=city.district.code, month=month)
    assert created == 1
    assert roll.lines.get().amount == EXPECTED_TOPUP
    again, created_again = pay.payment_roll_generate(programme="assistance",
                                                     district_code=city.district.code, month=month)
    assert again.pk == roll.pk and created_again == 0
    assert PaymentLine.objects.filter(household=app.household).count() == 1


def test_price_subsidies_join_the_roll_per_covered_person(at, city, city_admin):
    at("approved")
    month = timezone.localdate().replace(day=1)
    svc.price_subsidy_round_create(actor=city_admin, name="物价补贴", month=month, amount_per_person=Decimal("60"),
                                   multiplier=Decimal("2"), programmes=["dibao", "tekun"])
    roll, created = pay.payment_roll_generate(programme="assistance", district_code=city.district.code, month=month)
    assert created == 2
    assert roll.lines.get(category="price_subsidy").amount == Decimal("360.00")  # 60 × 2 × 3 people


def test_only_a_city_administrator_defines_price_subsidies(township_officer):
    with pytest.raises(PermissionDenied):
        svc.price_subsidy_round_create(actor=township_officer, name="x", month=dt.date(2026, 1, 1),
                                       amount_per_person=Decimal("1"), programmes=["dibao"])


def test_the_district_approves_exports_and_records_bank_results(at, city, staff, township_officer, second_approver):
    at("approved")
    roll, _ = pay.payment_roll_generate(programme="assistance",
                                        district_code=city.district.code, month=timezone.localdate())
    with pytest.raises(PermissionDenied):
        pay.payment_roll_approve(actor=township_officer, roll_id=roll.pk)
    pay.payment_roll_approve(actor=staff["district"], roll_id=roll.pk)
    data = pay.payment_roll_export(actor=staff["district"], roll_id=roll.pk).decode("utf-8-sig")
    assert "1905.00" in data
    assert AuditEvent.objects.filter(action="payments.roll_exported").exists()
    line = roll.lines.get()
    pay.payment_mark(actor=staff["district"], payment_id=line.pk, paid=False, reason="账户已销户")
    pay.payment_retry(actor=staff["district"], payment_id=line.pk)
    paid = pay.payment_mark(actor=second_approver, payment_id=line.pk, paid=True)  # not the exporter
    assert paid.status == "paid" and paid.attempts == 2
    # approved rolls are not topped up any more
    assert pay.payment_roll_generate(programme="assistance",
                                     district_code=city.district.code, month=timezone.localdate())[1] == 0


def test_income_above_the_line_moves_the_benefit_into_phaseout_then_exit(at, staff, city):
    app = at("approved")
    benefit = Benefit.objects.get(household=app.household, programme="dibao")
    monthly_income(app.household.head, "6000.00")  # the head found a job: +6000/month
    assert svc.review_round_start() == 1
    assert svc.review_round_start() == 0  # idempotent
    review = Review.objects.get(benefit=benefit)
    svc.review_complete(actor=staff["township"], review_id=review.pk)
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.PHASEOUT and benefit.monthly_amount == EXPECTED_TOPUP
    assert benefit.phaseout_until is not None
    # amounts continue during phase-out
    _, created = pay.payment_roll_generate(programme="assistance",
                                           district_code=city.district.code, month=timezone.localdate())
    assert created == 1
    assert svc.phaseouts_expire(on=benefit.phaseout_until + dt.timedelta(days=1)) == 1
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.ENDED
    # the household can re-enter with a new application
    svc.application_create(actor=staff["grid"], household=app.household, applicant=app.household.head,
                           programmes=["dibao"])


def test_emergency_temporary_aid_is_paid_first_and_documented_after(poor_household, resident, staff):
    app = svc.application_create(actor=staff["grid"], household=poor_household, applicant=poor_household.head,
                                 programmes=["temporary"], reason="突发重病住院", emergency=True,
                                 temporary_aid_amount=Decimal("5000"))
    svc.material_add(actor=staff["grid"], application_id=app.pk, uploaded=pdf("住院证明.pdf"), kind="medical")
    svc.application_submit(actor=staff["grid"], application_id=app.pk)
    with pytest.raises(PermissionDenied):
        svc.application_emergency_pay(actor=staff["grid"], application_id=app.pk)
    decision = svc.application_emergency_pay(actor=staff["township"], application_id=app.pk)
    payment = PaymentLine.objects.get(entitlement=one_off_key(Benefit.objects.get(decision=decision).pk))
    assert payment.amount == Decimal("5000.00") and payment.category == "one_off" and payment.roll is None
    with pytest.raises(ValidationError):
        svc.application_emergency_pay(actor=staff["township"], application_id=app.pk)
    app = walk(app, "approved", resident=staff["grid"], **{k: v for k, v in staff.items()})
    assert PaymentLine.objects.filter(household=poor_household, category="one_off").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_reject_exactly_one_wins(city, home_household, grid_worker, township_officer,
                                                        district_approver, resident):
    monthly_income(home_household.head, "1500.00")
    app = svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                                 programmes=["dibao"], reason="困难")
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, "decision", resident=resident, township=township_officer, grid=grid_worker)
    barrier = threading.Barrier(2)
    outcomes = {}

    def run(name, fn):
        barrier.wait()
        try:
            fn()
            outcomes[name] = "won"
        except ValidationError:
            outcomes[name] = "lost"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("approve", lambda: svc.application_approve(
            actor=district_approver, application_id=app.pk))),
        threading.Thread(target=run, args=("reject", lambda: svc.application_reject(
            actor=district_approver, application_id=app.pk, reason="收入超标"))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["lost", "won"]
    app.refresh_from_db()
    assert app.decisions.count() == 1
    assert app.status == (ApplicationStatus.APPROVED if outcomes["approve"] == "won" else ApplicationStatus.REJECTED)


@pytest.mark.django_db(transaction=True)
def test_concurrent_roll_runs_create_no_duplicates(city, home_household, grid_worker, township_officer,
                                                  district_approver, resident):
    monthly_income(home_household.head, "1500.00")
    app = svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                                 programmes=["dibao"], reason="困难")
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, "approved", resident=resident, township=township_officer, grid=grid_worker,
         district=district_approver)
    barrier = threading.Barrier(3)
    created = []

    def run():
        barrier.wait()
        try:
            created.append(pay.payment_roll_generate(programme="assistance", district_code=city.district.code,
                                                     month=timezone.localdate())[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(created) == [0, 0, 1]
    assert PaymentRoll.objects.count() == 1 and PaymentLine.objects.count() == 1


def test_only_the_districts_approver_generates_its_roll(city, township_officer, district_approver):
    from tests import factories as f

    other = f.staff(username="approver-other", role="district_approver", region=city.other_district)
    for user in (township_officer, other):
        with pytest.raises(PermissionDenied):
            pay.payment_roll_generate(programme="assistance",
                                      district_code=city.district.code, month=timezone.localdate(), actor=user)
    roll, _ = pay.payment_roll_generate(programme="assistance",
                                        district_code=city.district.code, month=timezone.localdate(),
                                        actor=district_approver)
    assert roll.district_id == city.district.code
