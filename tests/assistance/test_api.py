"""Assistance over /api/v1/: the same services, rights and jurisdiction as the pages."""
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from assistance import services as svc
from assistance.models import Application, Benefit, PriceSubsidyRound, VerificationReport
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import PaymentLine, PaymentRoll
from civilaffairs.audit.models import AuditEvent
from tests.assistance.conftest import EXPECTED_TOPUP, PDF, PNG, elapse_notice, monthly_income, pdf

API = "/api/v1/assistance/"
ROLLS = "/api/v1/payments/rolls/"  # moved to the platform ledger; absolute paths are used as they are
LINES = "/api/v1/payments/lines/"


def api_as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def post(user, path, data=None, **kwargs):
    url = path if path.startswith("/") else API + path
    return api_as(user).post(url, data or {}, format=kwargs.pop("format", "json"), **kwargs)


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Anonymous and wrong callers ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "applications/", "applications/1/", "applications/export/", "reports/", "benefits/", "benefits/export/",
    "/api/v1/payments/rolls/", "/api/v1/payments/lines/1/", "price-subsidy-rounds/", "reviews/",
])
def test_an_anonymous_caller_is_refused_everywhere(db, path):
    assert api_as().get(path if path.startswith("/") else API + path).status_code in (401, 403)


@pytest.mark.parametrize("path", ["applications/", "applications/1/accept/", "/api/v1/payments/rolls/generate/",
                                  "price-subsidy-rounds/"])
def test_an_anonymous_caller_cannot_post(db, path):
    assert api_as().post(path if path.startswith("/") else API + path, {}, format="json").status_code in (401, 403)


def test_the_household_assistance_view_refuses_anonymous_other_districts_and_other_residents(
        home_household, other_district_worker, other_resident, resident, grid_worker):
    path = f"/api/v1/assistance/households/{home_household.pk}/"
    assert api_as().get(path).status_code in (401, 403)
    assert api_as(other_district_worker).get(path).status_code == 404
    assert api_as(other_resident).get(path).status_code == 404
    assert api_as(resident).get(path).status_code == 200
    assert api_as(grid_worker).get(path).json()["applications"] == []


# --- Creating and drafting ----------------------------------------------------------------------------

def test_a_resident_applies_for_their_own_household_only(resident, poor_household, other_household):
    created = post(resident, "applications/", {"household": poor_household.pk,
                                               "applicant": poor_household.head_id, "programmes": ["dibao"],
                                               "reason": "收入低"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["channel"] == "online" and len(body["members"]) == 3
    assert body["precheck"]["disclaimer"]  # the live hint while drafting
    other = post(resident, "applications/", {"household": other_household.pk,
                                             "applicant": other_household.head_id, "programmes": ["dibao"]})
    assert other.status_code == 404
    assert Application.objects.count() == 1


def test_a_worker_files_on_behalf_and_bad_input_is_a_chinese_400(grid_worker, poor_household, other_household):
    response = post(grid_worker, "applications/", {"household": poor_household.pk,
                                                   "applicant": poor_household.head_id,
                                                   "programmes": ["temporary"], "emergency": True,
                                                   "temporary_aid_amount": "3000"})
    assert response.status_code == 201 and response.json()["channel"] == "walk_in"
    stranger = post(grid_worker, "applications/", {"household": poor_household.pk,
                                                   "applicant": other_household.head_id, "programmes": ["dibao"]})
    assert stranger.status_code == 400 and "申请人必须是该家庭的成员" in stranger.content.decode()
    duplicate = post(grid_worker, "applications/", {"household": poor_household.pk,
                                                    "applicant": poor_household.head_id,
                                                    "programmes": ["temporary"]})
    assert duplicate.status_code == 400 and "请勿重复申请" in duplicate.content.decode()
    assert post(grid_worker, "applications/", {"household": other_household.pk,
                                               "applicant": other_household.head_id,
                                               "programmes": ["dibao"]}).status_code == 404


def test_members_materials_and_submit_by_the_resident(resident, draft):
    members = [{"person_id": m.person_id, "declared_monthly_income": "1500" if m.relation == "head" else "0",
                "disability_grade": None, "self_care": "self"} for m in draft.members.all()]
    assert post(resident, f"applications/{draft.pk}/members/", {"members": members}).status_code == 200
    bad = post(resident, f"applications/{draft.pk}/members/", {"members": [{"person_id": 999999}]})
    assert bad.status_code == 400 and "不是本家庭成员" in bad.content.decode()
    upload = post(resident, f"applications/{draft.pk}/materials/",
                  {"kind": "hukou", "file": SimpleUploadedFile("户口簿.png", PNG)}, format="multipart")
    assert upload.status_code == 201 and upload.json()["content_type"] == "image/png"
    submitted = post(resident, f"applications/{draft.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted" and "低于 1135 元的低保标准" in " ".join(body["precheck"]["hints"])
    assert post(resident, f"applications/{draft.pk}/submit/").status_code == 409  # double click


def test_a_hostile_upload_is_refused_with_a_clear_message(resident, draft):
    response = post(resident, f"applications/{draft.pk}/materials/",
                    {"kind": "other", "file": SimpleUploadedFile("假的.pdf", b"MZ\x90\x00 exe")}, format="multipart")
    assert response.status_code == 400 and "不是有效的 PDF、JPG 或 PNG" in response.content.decode()


def test_another_resident_cannot_touch_the_application(other_resident, draft):
    assert api_as(other_resident).get(API + f"applications/{draft.pk}/").status_code == 404
    assert post(other_resident, f"applications/{draft.pk}/submit/").status_code == 404


# --- Lists and details ---------------------------------------------------------------------------------

def test_the_list_uses_the_shared_filterset_and_the_jurisdiction(at, district_approver, other_district_worker,
                                                                  resident, other_resident, city):
    app = at("submitted")
    client = api_as(district_approver)
    assert ids(client.get(API + "applications/", {"q": "王小明"})) == {app.pk}
    assert ids(client.get(API + "applications/", {"q": "王小"})) == {app.pk}  # two characters: start of the name
    assert ids(client.get(API + "applications/", {"q": "小明王"})) == set()
    assert ids(client.get(API + "applications/", {"q": app.number.lower()})) == {app.pk}
    assert ids(client.get(API + "applications/", {"q": "SQ0000000000000000"})) == set()
    assert ids(client.get(API + "applications/", {"status": ["accepted"]})) == set()
    assert ids(client.get(API + "applications/", {"region": city.neighbour.code})) == set()
    assert client.get(API + "applications/", {"status": ["nonsense"]}).status_code == 400
    assert ids(api_as(other_district_worker).get(API + "applications/")) == set()
    assert ids(api_as(resident).get(API + "applications/")) == {app.pk}
    assert ids(api_as(other_resident).get(API + "applications/")) == set()
    assert api_as(other_district_worker).get(API + f"applications/{app.pk}/").status_code == 404


def test_the_detail_masks_members_and_shows_the_timeline_and_allowed_actions(at, township_officer):
    app = at("submitted")
    response = api_as(township_officer).get(API + f"applications/{app.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {m["id_number_masked"] for m in body["members"]} == {m.person.id_number_masked
                                                                for m in app.members.all()}
    assert app.applicant.reveal_id_number() not in response.content.decode()
    assert [e["to_status"] for e in body["timeline"]] == ["draft", "submitted"]
    assert set(body["allowed_actions"]) == {"accept", "return", "withdraw"}


def test_a_non_numeric_id_is_404_not_500(grid_worker, db):
    assert api_as(grid_worker).get(API + "applications/abc/").status_code == 404


# --- Transitions: wrong role, wrong region, wrong state -----------------------------------------

@pytest.mark.parametrize("persona,expected", [
    ("grid_worker", 403), ("township_officer", 403), ("resident", 403), ("other_district_worker", 404),
])
def test_only_the_district_approves(request, at, persona, expected):
    app = at("decision")
    response = post(request.getfixturevalue(persona), f"applications/{app.pk}/approve/")
    assert response.status_code == expected
    app.refresh_from_db()
    assert app.status == "decision"


def test_the_grid_worker_cannot_accept_and_a_stale_action_is_409(at, grid_worker, township_officer,
                                                                district_approver):
    app = at("submitted")
    refused = post(grid_worker, f"applications/{app.pk}/accept/")
    assert refused.status_code == 403 and "无权" in refused.content.decode()
    # Rights before status: the township may never approve (403); the district may, only not yet (409).
    assert post(township_officer, f"applications/{app.pk}/approve/").status_code == 403
    assert post(district_approver, f"applications/{app.pk}/approve/").status_code == 409
    assert post(township_officer, f"applications/{app.pk}/accept/", {"note": "材料齐全"}).status_code == 200
    stale = post(township_officer, f"applications/{app.pk}/accept/")
    assert stale.status_code == 409 and "不能执行" in stale.content.decode()


def test_return_resubmit_reject_and_withdraw(at, township_officer, district_approver, resident):
    app = at("submitted")
    assert post(township_officer, f"applications/{app.pk}/return/", {"missing": " "}).status_code == 400
    assert post(township_officer, f"applications/{app.pk}/return/",
                {"missing": "请补充诊断证明"}).json()["status"] == "returned"
    assert post(resident, f"applications/{app.pk}/resubmit/").json()["status"] == "submitted"
    post(township_officer, f"applications/{app.pk}/accept/")
    no_reason = post(district_approver, f"applications/{app.pk}/reject/", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert post(resident, f"applications/{app.pk}/withdraw/", {"reason": "情况好转"}).json()["status"] == "withdrawn"


def test_emergency_aid_is_paid_by_the_township_not_the_grid_worker(grid_worker, township_officer, poor_household):
    app = svc.application_create(actor=grid_worker, household=poor_household, applicant=poor_household.head,
                                 programmes=["temporary"], reason="突发重病", emergency=True,
                                 temporary_aid_amount=Decimal("4000"))
    svc.material_add(actor=grid_worker, application_id=app.pk, uploaded=pdf(), kind="medical")
    svc.application_submit(actor=grid_worker, application_id=app.pk)
    assert post(grid_worker, f"applications/{app.pk}/emergency-pay/").status_code == 403
    paid = post(township_officer, f"applications/{app.pk}/emergency-pay/", {"note": "住院押金"})
    assert paid.status_code == 201 and paid.json()["amount"] == "4000.00"
    assert post(township_officer, f"applications/{app.pk}/emergency-pay/").status_code == 409  # paid already


# --- The whole journey over the API -----------------------------------------------------------------

def test_the_whole_journey_over_the_api(resident, poor_household, grid_worker, township_officer,
                                        district_approver, city, second_approver):
    r = post(resident, "applications/", {"household": poor_household.pk, "applicant": poor_household.head_id,
                                         "programmes": ["dibao"], "reason": "家庭收入低"})
    pk = r.json()["id"]
    members = [{"person_id": m["person"], "declared_monthly_income": "1500" if m["relation"] == "head" else "0"}
               for m in r.json()["members"]]
    assert post(resident, f"applications/{pk}/members/", {"members": members}).status_code == 200
    assert post(resident, f"applications/{pk}/materials/", {"kind": "id_card", "file": SimpleUploadedFile(
        "身份证.pdf", PDF)}, format="multipart").status_code == 201
    assert post(resident, f"applications/{pk}/submit/").json()["status"] == "submitted"
    assert post(township_officer, f"applications/{pk}/accept/").json()["status"] == "accepted"
    verified = post(township_officer, f"applications/{pk}/verify/")
    assert verified.json()["status"] == "verified"
    report_id = verified.json()["reports"][0]["id"]
    visit = post(grid_worker, f"applications/{pk}/record-visit/", {
        "visited_at": timezone.now().isoformat(), "visitors": "网格员甲", "findings": "居住条件简陋",
        "recommendation": "建议纳入低保", "photos": [SimpleUploadedFile("现场.png", PNG)]}, format="multipart")
    assert visit.status_code == 200, visit.content
    assert visit.json()["status"] == "visited" and any(m["visit"] for m in visit.json()["materials"])
    started = post(township_officer, f"applications/{pk}/start-notice/",
                   {"starts_on": timezone.localdate().isoformat()})
    assert started.json()["status"] == "notice"
    elapse_notice(Application.objects.get(pk=pk))
    objection = post(grid_worker, f"applications/{pk}/objections/", {"content": "邻居反映有经营收入"})
    assert objection.status_code == 201
    assert post(township_officer, f"applications/{pk}/close-notice/").status_code == 409  # open objection
    assert post(grid_worker, f"applications/{pk}/objections/{objection.json()['id']}/resolve/",
                {"resolution": "x", "upheld": False}).status_code == 403
    resolved = post(township_officer, f"applications/{pk}/objections/{objection.json()['id']}/resolve/",
                    {"resolution": "经核实无经营收入", "upheld": False})
    assert resolved.status_code == 200 and resolved.json()["upheld"] is False
    assert post(township_officer, f"applications/{pk}/close-notice/").json()["status"] == "decision"
    approved = post(district_approver, f"applications/{pk}/approve/", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert any("1905.00" in line for line in approved.json()["decisions"][0]["lines"][0]["lines"])

    report = api_as(district_approver).get(API + f"reports/{report_id}/").json()
    assert report["seal_valid"] is True and report["number"].startswith("HD")

    benefits = api_as(district_approver).get(API + "benefits/", {"programme": "dibao", "status": ["active"]})
    assert [b["monthly_amount"] for b in benefits.json()["results"]] == [str(EXPECTED_TOPUP)]

    month = timezone.localdate().replace(day=1).isoformat()
    first = post(district_approver, ROLLS + "generate/", {"district": city.district.code, "month": month})
    assert first.status_code == 200 and first.json()["lines_created"] == 1
    again = post(district_approver, ROLLS + "generate/", {"district": city.district.code, "month": month})
    assert again.json()["lines_created"] == 0 and again.json()["rolls"][0]["id"] == first.json()["rolls"][0]["id"]
    roll_id = first.json()["rolls"][0]["id"]
    assert PaymentLine.objects.filter(roll_id=roll_id).count() == 1

    client = api_as(district_approver)
    detail = client.get(ROLLS + f"{roll_id}/").json()
    assert detail["totals"]["lines"] == 1 and Decimal(detail["totals"]["total"]) == EXPECTED_TOPUP
    lines = client.get(ROLLS + f"{roll_id}/lines/").json()
    assert lines["count"] == 1 and lines["results"][0]["amount"] == str(EXPECTED_TOPUP)
    assert post(district_approver, ROLLS + f"{roll_id}/export/").status_code == 409  # not approved yet
    assert post(second_approver, ROLLS + f"{roll_id}/approve/").json()["status"] == "approved"  # four eyes
    csv = post(second_approver, ROLLS + f"{roll_id}/export/")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "1905.00" in csv.content.decode("utf-8-sig")
    line_id = lines["results"][0]["id"]
    assert post(district_approver, LINES + f"{line_id}/mark/", {"paid": False}).status_code == 400  # no reason
    assert post(district_approver, LINES + f"{line_id}/mark/",
                {"paid": False, "reason": "账户已销户"}).json()["status"] == "failed"
    assert post(district_approver, LINES + f"{line_id}/retry/").json()["status"] == "pending"
    assert post(district_approver, LINES + f"{line_id}/mark/", {"paid": True}).json()["status"] == "paid"

    mine = api_as(resident).get(f"/api/v1/assistance/households/{poor_household.pk}/")
    assert mine.status_code == 200
    body = mine.json()
    assert body["applications"][0]["status"] == "approved" and body["applications"][0]["status_label"] == "已批准"
    assert body["benefits"][0]["monthly_amount"] == str(EXPECTED_TOPUP)
    assert body["payments"][0]["status"] == "paid" and body["reports"][0]["id"] == report_id


def test_a_tampered_report_shows_seal_valid_false_and_other_districts_get_404(at, township_officer,
                                                                                other_district_worker):
    app = at("verified")
    report = app.verification_reports.get()
    content = report.content
    content["summary"]["per_capita_monthly_income"] = "1.00"
    VerificationReport.objects.filter(pk=report.pk).update(content=content)
    assert api_as(township_officer).get(API + f"reports/{report.pk}/").json()["seal_valid"] is False
    assert api_as(other_district_worker).get(API + f"reports/{report.pk}/").status_code == 404


# --- Concurrency --------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_reject_over_the_api_one_wins(city, home_household, grid_worker,
                                                             township_officer, district_approver, resident):
    from tests.assistance.conftest import walk

    monthly_income(home_household.head, "1500.00")
    app = svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                                 programmes=["dibao"], reason="困难")
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, "decision", resident=resident, township=township_officer, grid=grid_worker)
    barrier = threading.Barrier(2)
    codes = {}

    def run(name, path, data):
        barrier.wait()
        try:
            codes[name] = post(district_approver, path, data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=("approve", f"applications/{app.pk}/approve/", {})),
               threading.Thread(target=run, args=("reject", f"applications/{app.pk}/reject/", {"reason": "收入超标"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes.values())[0] == 200 and 400 <= sorted(codes.values())[1] < 500, codes
    app.refresh_from_db()
    assert app.decisions.count() == 1
    assert app.status == ("approved" if codes["approve"] == 200 else "rejected")


# --- Payment rolls: rights --------------------------------------------------------------------------

def test_only_the_districts_own_approver_generates_or_touches_its_roll(at, city, township_officer,
                                                                      district_approver, other_district_worker):
    from tests import factories as f

    at("approved")
    month = timezone.localdate().isoformat()
    assert post(township_officer, ROLLS + "generate/",
                {"district": city.district.code, "month": month}).status_code == 403
    other_approver = f.staff(username="approver-jb", role="district_approver", region=city.other_district)
    assert post(other_approver, ROLLS + "generate/",
                {"district": city.district.code, "month": month}).status_code == 403
    assert post(district_approver, ROLLS + "generate/",
                {"district": "999999", "month": month}).status_code == 403  # not their district either
    roll, _ = pay.payment_roll_generate(programme="assistance",
                                        district_code=city.district.code, month=timezone.localdate())
    line = roll.lines.get()
    assert api_as(other_approver).get(ROLLS + f"{roll.pk}/").status_code == 404
    assert post(other_approver, ROLLS + f"{roll.pk}/approve/").status_code == 404
    assert post(other_approver, LINES + f"{line.pk}/mark/", {"paid": True}).status_code == 404
    assert post(township_officer, LINES + f"{line.pk}/mark/", {"paid": True}).status_code == 403
    assert api_as(township_officer).get(ROLLS).json()["count"] == 0


def test_a_resident_cannot_list_rolls_reviews_or_subsidies(resident):
    client = api_as(resident)
    for path in (ROLLS, "reviews/", "price-subsidy-rounds/"):
        assert client.get(path if path.startswith("/") else API + path).status_code == 403


# --- Price subsidies and reviews ----------------------------------------------------------------------

def test_only_city_administrators_create_price_subsidy_rounds(city_admin, township_officer):
    data = {"name": "2026年物价补贴", "month": "2026-03-01", "amount_per_person": "60.00", "multiplier": "2",
            "programmes": ["dibao", "tekun"]}
    assert post(township_officer, "price-subsidy-rounds/", data).status_code == 403
    created = post(city_admin, "price-subsidy-rounds/", data)
    assert created.status_code == 201 and created.json()["programmes"] == ["dibao", "tekun"]
    bad = post(city_admin, "price-subsidy-rounds/", {**data, "amount_per_person": "0"})
    assert bad.status_code == 400 and "大于零" in bad.content.decode()
    assert api_as(township_officer).get(API + "price-subsidy-rounds/").json()["count"] == 1
    assert PriceSubsidyRound.objects.count() == 1


def test_open_reviews_are_listed_and_completed_in_the_jurisdiction(at, township_officer, other_district_worker):
    app = at("approved")
    svc.review_round_start()
    listed = api_as(township_officer).get(API + "reviews/").json()
    assert listed["count"] == 1
    review_id = listed["results"][0]["id"]
    assert post(other_district_worker, f"reviews/{review_id}/complete/").status_code == 404
    done = post(township_officer, f"reviews/{review_id}/complete/", {"note": "收入无变化"})
    assert done.status_code == 200 and done.json()["outcome"] == "continue"
    twice = post(township_officer, f"reviews/{review_id}/complete/")
    assert twice.status_code == 409 and "已完成" in twice.content.decode()
    assert api_as(township_officer).get(API + "reviews/").json()["count"] == 0
    assert Benefit.objects.get(household=app.household).status == "active"


# --- Exports ----------------------------------------------------------------------------------------

def test_the_export_endpoints_follow_the_export_right(draft, district_approver, township_officer):
    response = api_as(district_approver).get(API + "applications/export/", {"q": "王小明"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    event = AuditEvent.objects.get(action="assistance.applications_exported")
    assert event.after["rows"] == 1
    assert api_as(township_officer).get(API + "applications/export/").status_code == 403
    assert api_as(district_approver).get(API + "benefits/export/").status_code == 200
    assert PaymentRoll.objects.count() == 0


@pytest.mark.parametrize("pk", ["abc", "1.5", "99999999999999999999999", "0"])
def test_a_review_id_that_is_no_review_is_a_404_with_a_message(township_officer, pk):
    response = post(township_officer, f"reviews/{pk}/complete/", {"note": "x"})
    assert response.status_code == 404, response.content  # "abc" was a ValueError (500)
    assert response.json()["detail"]


@pytest.mark.parametrize("path", ["applications/{pk}/", "applications/{pk}/submit/", "reports/{pk}/",
                                  "benefits/{pk}/", "/api/v1/payments/rolls/{pk}/", "/api/v1/payments/rolls/{pk}/lines/",
                                  "/api/v1/payments/lines/{pk}/", "/api/v1/payments/lines/{pk}/retry/"])
@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "-1"])
def test_assistance_routes_answer_404_for_ids_that_are_no_object(district_approver, path, pk):
    client = api_as(district_approver)
    url = (path if path.startswith("/") else API + path).format(pk=pk)
    response = client.post(url, {}, format="json") if url.endswith(("submit/", "retry/")) else client.get(url)
    assert response.status_code == 404, response.content
    assert response.json()["detail"]


def test_an_objection_id_past_bigint_is_a_404(at, township_officer):
    app = at("notice")
    response = post(township_officer, f"applications/{app.pk}/objections/99999999999999999999999/resolve/",
                    {"resolution": "x", "upheld": False})
    assert response.status_code == 404, response.content


def test_reports_filtered_by_an_id_that_names_nothing_list_nothing(at, township_officer):
    app = at("verified")
    client = api_as(township_officer)
    assert ids(client.get(API + "reports/", {"household": app.household_id})) != set()
    assert ids(client.get(API + "reports/", {"household": 0, "application": 99999999999999999999})) == set()
    assert client.get(API + "reports/", {"household": "abc"}).status_code == 400
