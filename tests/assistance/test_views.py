"""Assistance pages: the resident's online application, casework actions, printable
report and letter, the household 360° page, payment rolls and reviews — and for every
page, the wrong person: anonymous → sign-in, resident → 403 on caseworker pages,
other household or district → 404, wrong role → 403."""
from __future__ import annotations

import sys
import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assistance import services as svc
from assistance.models import (
    ApplicationStatus, Benefit, Channel, PriceSubsidyRound, Programme, Review,
)
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import LineStatus, PaymentLine, PaymentRoll
from civilaffairs.notifications.models import Notification
from tests import factories as f
from tests.assistance.conftest import EXPECTED_TOPUP, PDF, PNG, elapse_notice, pdf

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"assistance:{name}", args=args)


def purl(name, *args):
    return reverse(f"payments:{name}", args=args)


@pytest.fixture
def other_district_approver(city):
    return f.staff(username="district-other", role="district_approver", region=city.other_district)


@pytest.fixture
def approved(at):
    return at("approved")


@pytest.fixture
def roll(approved, district_approver, city):
    r, _ = pay.payment_roll_generate(programme="assistance",
                                     district_code=city.district.code, month=timezone.localdate(),
                                     actor=district_approver)
    return r


# --- who may open what ---------------------------------------------------------------------

def caseworker_pages(app, roll=None):
    pages = [url("application_list"), url("file_search"), url("household_360", app.household_id),
             url("report_detail", app.verification_reports.first().pk), url("review_list"),
             url("apply_on_behalf", app.household_id)]
    if roll is not None:
        pages += [purl("roll_list"), purl("roll_detail", roll.pk)]
    return pages


def test_anonymous_visitors_are_sent_to_sign_in(client, approved, roll):
    decision = approved.decisions.get()
    material = approved.materials.first()
    pages = caseworker_pages(approved, roll) + [
        url("apply"), url("my_applications"), reverse("notifications:list"), url("application_detail", approved.pk),
        url("decision_letter", decision.pk), url("material_download", material.pk), url("subsidy_rounds")]
    for page in pages:
        r = client.get(page)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], page


def test_a_resident_cannot_open_caseworker_pages(client, resident, approved, roll):
    client.force_login(resident)
    for page in caseworker_pages(approved, roll) + [url("subsidy_rounds")]:
        assert client.get(page).status_code == 403, page


def test_a_resident_cannot_open_another_households_application(client, other_resident, approved):
    client.force_login(other_resident)
    material = approved.materials.first()
    assert client.get(url("application_detail", approved.pk)).status_code == 404
    assert client.get(url("decision_letter", approved.decisions.get().pk)).status_code == 404
    assert client.get(url("material_download", material.pk)).status_code == 404
    assert client.get(url("application_withdraw", approved.pk)).status_code == 404
    assert client.get(url("apply_members", approved.pk)).status_code == 404
    assert client.post(url("application_resubmit", approved.pk)).status_code == 404


def test_a_worker_of_another_district_gets_404_everywhere(client, other_district_worker, other_district_approver,
                                                           approved, roll):
    report = approved.verification_reports.first()
    for user in (other_district_worker, other_district_approver):
        client.force_login(user)
        for page in (url("application_detail", approved.pk), url("report_detail", report.pk),
                     url("decision_letter", approved.decisions.get().pk), url("household_360", approved.household_id),
                     url("material_download", approved.materials.first().pk),
                     url("apply_on_behalf", approved.household_id)):
            assert client.get(page).status_code == 404, (user, page)
        assert client.post(url("application_act", approved.pk, "withdraw")).status_code == 404
    client.force_login(other_district_approver)
    assert client.get(purl("roll_detail", roll.pk)).status_code == 404
    assert client.post(purl("roll_approve", roll.pk)).status_code == 404
    payment = roll.lines.first()
    assert client.post(purl("line_mark", payment.pk), {"result": "paid"}).status_code == 404


def test_the_list_shows_only_applications_in_jurisdiction(client, at, other_resident, other_household,
                                                          other_district_worker, grid_worker):
    app = at("submitted")
    client.force_login(other_district_worker)
    r = client.get(url("application_list"))
    assert r.status_code == 200 and app.number not in r.content.decode()
    client.force_login(grid_worker)
    assert app.number in client.get(url("application_list")).content.decode()


def test_a_grid_worker_cannot_approve(client, at, grid_worker):
    app = at("decision")
    client.force_login(grid_worker)
    r = client.get(url("application_detail", app.pk))
    assert "确认批准" not in r.content.decode()
    assert client.post(url("application_act", app.pk, "approve"), {"version": app.version}).status_code == 403
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DECISION


def test_a_township_officer_cannot_approve_either(client, at, township_officer):
    app = at("decision")
    client.force_login(township_officer)
    assert client.post(url("application_act", app.pk, "approve")).status_code == 403


def test_rolls_are_for_district_staff_only(client, grid_worker, township_officer, roll):
    for user in (grid_worker, township_officer):
        client.force_login(user)
        assert client.get(purl("roll_list")).status_code == 403
        assert client.post(purl("roll_approve", roll.pk)).status_code == 403


def test_price_subsidies_are_for_city_admins(client, district_approver, city_admin):
    client.force_login(district_approver)
    assert client.get(url("subsidy_rounds")).status_code == 403
    client.force_login(city_admin)
    r = client.post(url("subsidy_rounds"), {"name": "2026年物价补贴", "month": timezone.localdate().strftime("%Y-%m"),
                                            "amount_per_person": "50", "multiplier": "2",
                                            "programmes": ["dibao", "tekun"]})
    assert r.status_code == 302
    assert PriceSubsidyRound.objects.get().amount_per_person == 50


# --- the resident's journey ----------------------------------------------------------------

def test_a_resident_applies_online_step_by_step_and_submits(client, resident, poor_household):
    client.force_login(resident)
    r = client.post(url("apply"), {"programmes": ["dibao", "temporary"], "reason": "丈夫重病，家庭收入低。"})
    assert r.status_code == 302
    app = poor_household.applications.get()
    assert r["Location"] == url("apply_members", app.pk)
    assert app.channel == Channel.ONLINE and app.programmes == ["dibao", "temporary"]

    r = client.get(url("apply_members", app.pk))
    members = list(app.members.order_by("id"))
    data = {"m-TOTAL_FORMS": len(members), "m-INITIAL_FORMS": len(members)}
    for i, m in enumerate(members):
        data.update({f"m-{i}-person_id": m.person_id, f"m-{i}-declared_monthly_income": "1500" if i == 0 else "0",
                     f"m-{i}-self_care": "self", f"m-{i}-can_work": "yes" if i == 0 else "no"})
    data["m-1-serious_illness"] = "on"
    r = client.post(url("apply_members", app.pk), data)
    assert r.status_code == 302 and r["Location"] == url("apply_materials", app.pk)
    assert app.members.get(pk=members[1].pk).serious_illness

    # Leaving and coming back resumes at the materials step.
    r = client.get(url("apply"))
    assert url("apply_materials", app.pk) in r.content.decode()

    r = client.post(url("apply_materials", app.pk), {"kind": "id_card", "file": pdf("户口簿.pdf")})
    assert r.status_code == 302
    r = client.get(url("apply_review", app.pk))
    html = r.content.decode()
    assert "人均月收入 500.00 元低于 1135 元的低保标准" in html
    assert "不是审批结论" in html

    r = client.post(url("apply_submit", app.pk), follow=True)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    assert "已提交" in r.content.decode()
    assert r.request["PATH_INFO"] == url("application_detail", app.pk)


def test_the_review_step_lists_what_is_missing_and_submit_shows_it(client, resident, poor_household):
    app = svc.application_create(actor=resident, household=poor_household, applicant=poor_household.head,
                                 programmes=["dibao"])
    client.force_login(resident)
    r = client.get(url("apply_review", app.pk))
    assert "尚未上传任何证明材料" in r.content.decode()
    r = client.post(url("apply_submit", app.pk))
    assert r.status_code == 400 and "请简要说明申请理由" in r.content.decode()


def test_a_hostile_upload_is_refused_with_a_clear_message(client, resident, draft):
    client.force_login(resident)
    exe = SimpleUploadedFile("收入证明.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    r = client.post(url("apply_materials", draft.pk), {"kind": "income", "file": exe})
    assert r.status_code == 400
    assert "不是有效的 PDF、JPG 或 PNG 文件" in r.content.decode()
    assert draft.materials.count() == 1


def test_an_oversized_upload_is_refused_with_a_clear_message(client, resident, draft, settings):
    settings.MATERIAL_MAX_BYTES = 1024 * 1024
    client.force_login(resident)
    big = SimpleUploadedFile("病历.pdf", PDF + b"0" * (1024 * 1024 + 10), content_type="application/pdf")
    r = client.post(url("apply_materials", draft.pk), {"kind": "medical", "file": big})
    assert r.status_code == 400
    assert "超过 1 MB 的上限" in r.content.decode()


def test_a_double_clicked_submit_is_friendly(client, resident, draft):
    client.force_login(resident)
    first = client.post(url("apply_submit", draft.pk))
    second = client.post(url("apply_submit", draft.pk), follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "申请已经提交，无需重复提交" in second.content.decode()
    assert draft.events.filter(action="submit").count() == 1


def test_submit_answers_404_to_another_household_and_district_and_403_to_a_role_without_the_right(
        client, draft, other_resident, other_district_worker, district_approver):
    for user, status in ((other_resident, 404), (other_district_worker, 404), (district_approver, 403)):
        client.force_login(user)
        assert client.post(url("apply_submit", draft.pk)).status_code == status, user.username
    assert client.post(url("apply_submit", 10 ** 9)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and not draft.events.filter(action="submit").exists()


def test_submit_of_a_submitted_application_is_still_404_or_403_for_the_wrong_person(
        client, at, other_resident, district_approver):
    app = at("submitted")
    client.force_login(other_resident)
    assert client.post(url("apply_submit", app.pk)).status_code == 404
    client.force_login(district_approver)
    assert client.post(url("apply_submit", app.pk)).status_code == 403


def test_a_grid_worker_submits_on_behalf_of_a_household_in_the_community(client, draft, grid_worker):
    client.force_login(grid_worker)
    r = client.post(url("apply_submit", draft.pk))
    assert r.status_code == 302 and r["Location"] == url("application_detail", draft.pk)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED


def test_a_resident_answers_a_request_for_more_material(client, resident, at, township_officer):
    app = at("submitted")
    svc.application_return(actor=township_officer, application_id=app.pk, missing="请补充医院诊断证明")
    client.force_login(resident)
    html = client.get(url("application_detail", app.pk)).content.decode()
    assert "请补充医院诊断证明" in html
    r = client.post(url("material_upload", app.pk), {"kind": "medical", "file": pdf("诊断证明.pdf")})
    assert r.status_code == 302
    r = client.post(url("application_resubmit", app.pk), {"note": "已补充"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.materials.count() == 2


def test_a_resident_withdraws_after_confirming(client, resident, at):
    app = at("submitted")
    client.force_login(resident)
    r = client.get(url("application_withdraw", app.pk))
    assert r.status_code == 200 and "确认撤回" in r.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    r = client.post(url("application_withdraw", app.pk), {"reason": "家庭情况好转"})
    app.refresh_from_db()
    assert r.status_code == 302 and app.status == ApplicationStatus.WITHDRAWN


def test_an_approved_resident_sees_the_amount_and_the_letter(client, resident, approved):
    client.force_login(resident)
    html = client.get(url("application_detail", approved.pk)).content.decode()
    assert "已批准" in html and str(EXPECTED_TOPUP) in html
    assert "撤回申请" not in html  # a decided application cannot be withdrawn
    letter = client.get(url("decision_letter", approved.decisions.get().pk)).content.decode()
    assert "1135.00 × 3 人 − 家庭月收入 1500.00 = 1905.00 元/月" in letter
    assert "低保标准" in letter and "海曙区民政局" in letter
    mine = client.get(url("my_applications")).content.decode()
    assert "1905.00" in mine


def test_notifications_are_listed_and_marked_read(client, resident, at):
    at("accepted")
    client.force_login(resident)
    r = client.get(reverse("notifications:list"))
    assert "已受理，待核对" in r.content.decode()
    note = Notification.objects.filter(user=resident).first()
    client.post(reverse("notifications:read", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=resident, read_at__isnull=True).exists()


def test_materials_download_only_for_people_who_may_see_the_application(client, resident, other_resident, draft,
                                                                          grid_worker, neighbour_grid_worker):
    material = draft.materials.get()
    client.force_login(resident)
    r = client.get(url("material_download", material.pk))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Disposition"].startswith("attachment")
    client.force_login(grid_worker)
    assert client.get(url("material_download", material.pk)).status_code == 200
    for stranger in (other_resident, neighbour_grid_worker):
        client.force_login(stranger)
        assert client.get(url("material_download", material.pk)).status_code == 404


# --- casework ------------------------------------------------------------------------------

def test_the_caseworkers_walk_the_application_through_the_pages(client, at, staff):
    app = at("submitted")
    client.force_login(staff["township"])
    detail = client.get(url("application_detail", app.pk)).content.decode()
    assert "受理" in detail and "批准" not in detail.split("办理记录")[0].split("办理")[-1]
    assert client.post(url("application_act", app.pk, "accept"), {"version": app.version}).status_code == 302
    app.refresh_from_db()
    r = client.post(url("application_act", app.pk, "verify"), {"version": app.version})
    assert r.status_code == 302
    report = app.verification_reports.get()
    html = client.get(url("report_detail", report.pk)).content.decode()
    assert "签章验证：有效" in html and report.digest in html and "家庭经济状况核对报告" in html
    assert "户主" in html and ">head<" not in html and "人社" in html and "1135 元/人·月" in html
    assert "18000.00" in html  # 12 months of 1500 元

    client.force_login(staff["grid"])
    app.refresh_from_db()
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    r = client.post(url("application_act", app.pk, "record_visit"), {
        "version": app.version, "record_visit-visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "record_visit-visitors": "网格员王", "record_visit-findings": "房屋老旧，家具简陋。",
        "record_visit-recommendation": "建议纳入低保", "record_visit-photos": [photo]})
    assert r.status_code == 302, r.content.decode()
    assert app.visits.get().photos.count() == 1

    client.force_login(staff["township"])
    app.refresh_from_db()
    client.post(url("application_act", app.pk, "start_notice"), {"version": app.version,
                                                                 "start_notice-starts_on": timezone.localdate().isoformat()})
    elapse_notice(app)
    app.refresh_from_db()
    client.post(url("application_act", app.pk, "objection"), {"objection-content": "邻居反映其有经营收入"})
    objection = app.notice.objections.get()
    r = client.post(url("application_act", app.pk, "close_notice"), {"version": app.version})
    assert "尚有未处理的公示异议" in r.content.decode() and r.status_code == 400
    client.post(url("application_act", app.pk, "resolve"), {
        "resolve-objection": objection.pk, "resolve-resolution": "经核实为临时帮工，收入已计入。"})
    client.post(url("application_act", app.pk, "close_notice"), {"version": app.version})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DECISION

    client.force_login(staff["district"])
    html = client.get(url("application_detail", app.pk)).content.decode()
    assert "1135.00 × 3 人 − 家庭月收入 1500.00 = 1905.00 元/月" in html and "确认批准" in html
    client.post(url("application_act", app.pk, "approve"), {"version": app.version, "approve-note": "同意"})
    benefit = Benefit.objects.get(household=app.household, programme=Programme.DIBAO)
    assert benefit.monthly_amount == EXPECTED_TOPUP


def test_a_stale_page_says_someone_else_handled_it(client, at, staff):
    app = at("submitted")
    stale_version = app.version
    client.force_login(staff["township"])
    client.post(url("application_act", app.pk, "accept"), {"version": stale_version})
    r = client.post(url("application_act", app.pk, "return"), {"version": stale_version,
                                                               "return-missing": "补充收入证明"})
    assert "已被他人处理" in r.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ACCEPTED


def test_a_service_refusal_is_shown_on_the_page(client, at, staff):
    app = at("visited")
    client.force_login(staff["township"])
    client.post(url("application_act", app.pk, "start_notice"), {"version": app.version})
    app.refresh_from_db()
    r = client.post(url("application_act", app.pk, "close_notice"), {"version": app.version})
    assert r.status_code == 400 and "方可报批" in r.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NOTICE


def test_the_district_rejects_with_a_reason(client, at, staff, resident):
    app = at("decision")
    client.force_login(staff["district"])
    client.post(url("application_act", app.pk, "reject"), {"version": app.version, "reject-reason": "有经营收入"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    client.force_login(resident)
    assert "有经营收入" in client.get(url("application_detail", app.pk)).content.decode()


def test_emergency_temporary_aid_is_paid_first(client, resident, poor_household, staff):
    app = svc.application_create(actor=resident, household=poor_household, applicant=poor_household.head,
                                 programmes=["temporary"], reason="突发火灾", emergency=True)
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    svc.application_submit(actor=resident, application_id=app.pk)
    client.force_login(staff["township"])
    assert "先行救助" in client.get(url("application_detail", app.pk)).content.decode()
    client.post(url("application_act", app.pk, "emergency"), {"emergency-amount": "3000"})
    assert PaymentLine.objects.get(household=poor_household).amount == 3000


def test_a_worker_files_on_behalf_of_a_household(client, grid_worker, poor_household, other_district_worker):
    client.force_login(grid_worker)
    r = client.get(url("file_search"), {"q": "王小明"})
    assert url("apply_on_behalf", poor_household.pk) in r.content.decode()
    r = client.post(url("apply_on_behalf", poor_household.pk), {
        "applicant": poor_household.head_id, "channel": "home_visit", "programmes": ["dibao"],
        "reason": "走访发现"})
    app = poor_household.applications.get()
    assert r.status_code == 302 and app.channel == Channel.HOME_VISIT and app.created_by == grid_worker


def test_the_list_filters_and_caps_the_count(client, at, township_officer, monkeypatch):
    from assistance.views import common

    at("submitted")
    client.force_login(township_officer)
    r = client.get(url("application_list"), {"status": "approved"})
    assert "没有符合条件的申请" in r.content.decode()
    r = client.get(url("application_list"), {"programme": "dibao", "status": "submitted"})
    assert "共 1 件" in r.content.decode()
    monkeypatch.setattr(common, "COUNT_CAP", 0)
    assert "0+" in client.get(url("application_list")).content.decode()


def test_only_permitted_roles_export_to_excel(client, at, township_officer, district_approver, monkeypatch):
    at("submitted")
    seen = {}

    def applications_export(*, actor, queryset):
        seen["actor"], seen["count"] = actor, queryset.count()
        return b"PK\x03\x04xlsx"

    monkeypatch.setitem(sys.modules, "assistance.exports",
                        types.SimpleNamespace(applications_export=applications_export))
    import assistance
    monkeypatch.setattr(assistance, "exports", sys.modules["assistance.exports"], raising=False)
    client.force_login(township_officer)
    assert "导出 Excel" not in client.get(url("application_list")).content.decode()
    assert client.get(url("application_export")).status_code == 403
    client.force_login(district_approver)
    assert "导出 Excel" in client.get(url("application_list")).content.decode()
    r = client.get(url("application_export"), {"status": "submitted"})
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert seen == {"actor": district_approver, "count": 1}


def test_the_household_360_page_shows_everything(client, approved, township_officer, roll):
    client.force_login(township_officer)
    html = client.get(url("household_360", approved.household_id)).content.decode()
    for text in (approved.number, "1905.00", approved.verification_reports.first().number, "入户调查",
                 approved.household.head.id_number_masked):
        assert text in html
    assert approved.household.head.reveal_id_number() not in html


# --- money and reviews ---------------------------------------------------------------------

def test_the_district_generates_approves_exports_and_marks_the_roll(client, approved, district_approver, city,
                                                                    second_approver):
    client.force_login(district_approver)
    r = client.post(purl("roll_list"), {"district": city.district.code,
                                       "month": timezone.localdate().strftime("%Y-%m")})
    roll = PaymentRoll.objects.get()
    assert r.status_code == 302
    payment = roll.lines.get()
    assert payment.amount == EXPECTED_TOPUP
    html = client.get(purl("roll_detail", roll.pk)).content.decode()
    assert "1905.00" in html and "王小明" in html
    client.post(purl("roll_list"), {"district": city.district.code, "month": timezone.localdate().strftime("%Y-%m")})
    assert roll.lines.count() == 1
    client.force_login(second_approver)  # four eyes: not the one who generated it
    client.post(purl("roll_approve", roll.pk))
    r = client.post(purl("roll_export", roll.pk))
    assert r.status_code == 200 and "1905.00" in r.content.decode("utf-8-sig")
    client.post(purl("line_mark", payment.pk), {"result": "failed", "reason": "账户冻结"})
    payment.refresh_from_db()
    assert payment.status == LineStatus.FAILED
    client.post(purl("line_retry", payment.pk))
    client.force_login(district_approver)  # four eyes: not the one who exported the bank file
    client.post(purl("line_mark", payment.pk), {"result": "paid"})
    payment.refresh_from_db()
    assert payment.status == LineStatus.PAID and payment.attempts == 2


def test_a_township_officer_completes_a_review(client, approved, township_officer, resident):
    svc.review_round_start()
    review = Review.objects.get()
    client.force_login(township_officer)
    assert approved.household.head_name in client.get(url("review_list")).content.decode()
    r = client.post(url("review_complete", review.pk), {"note": "入户核实"})
    assert r.status_code == 302
    review.refresh_from_db()
    assert review.completed_at is not None and review.outcome


def test_the_excel_export_button_exports_the_filtered_rows_with_the_real_exporter(client, at, city, district_approver,
                                                                                 grid_worker):
    """openpyxl is a dependency (pyproject): the real workbook is read back and its cells checked."""
    import io

    from openpyxl import load_workbook

    from assistance.models import Programme
    from tests import factories as f
    from tests.assistance.conftest import pdf

    mine = at("submitted")
    other_hh = f.household(community=city.community, head_name="孙七", members=1)
    other = svc.application_create(actor=grid_worker, household=other_hh, applicant=other_hh.head,
                                   programmes=["temporary"], reason="突发困难", channel="home_visit")
    svc.material_add(actor=grid_worker, application_id=other.pk, uploaded=pdf(), kind="id_card")
    svc.application_submit(actor=grid_worker, application_id=other.pk)

    def sheet(params):
        r = client.get(url("application_export"), params)
        assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
        rows = list(load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True))
        return rows[0], rows[1:]

    client.force_login(district_approver)
    header, data = sheet({})
    assert header[:4] == ("申请编号", "户主姓名", "申请人", "申请人身份证号")
    assert {row[0] for row in data} == {mine.number, other.number}
    header, data = sheet({"q": "王小明"})
    assert len(data) == 1
    (row,) = data
    mine.refresh_from_db()
    assert row[:9] == (mine.number, "王小明", "王小明", mine.applicant.id_number_masked, "第一社区",
                       city.community.code, str(Programme.DIBAO.label), mine.get_channel_display(),
                       mine.get_status_display())
    assert row[9] == "否"
    assert mine.applicant.reveal_id_number() not in repr(data)  # only the masked number leaves
    _header, data = sheet({"programme": "temporary"})
    assert [r[0] for r in data] == [other.number] and data[0][6] == str(Programme.TEMPORARY.label) and data[0][1] == "孙七"
