"""The elders list (scope, filters at their boundaries, search without an ID number in the URL, capped
count, empty state), the elder's section of the person file, profile and contact forms (Chinese
validation, confirm before remove, audited without phone numbers), the assessment form and the
API — with the wrong-role and other-community refusals of each."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse

from civilaffairs.audit.models import AuditEvent
from civilaffairs.registry.services import household_add_member
from eldercare.models import AbilityGrade, Assessment, AssessmentStatus, ElderProfile, FamilyContact
from eldercare.services import assessment as svc
from eldercare.services import elders as elder_svc
from tests import factories as f
from tests.eldercare.elders_helpers import elder_in, options_totalling, signed, years_ago

pytest_plugins = ("tests.eldercare.elders_fixtures",)

pytestmark = pytest.mark.django_db
LIST = "/eldercare/elders/"


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def test_the_list_shows_the_workers_community_only(client, grid_worker, elder, neighbour_elder, other_district_elder):
    client.force_login(grid_worker)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == [elder.name]
    assert "85岁" in response.content.decode() or "85" in response.content.decode()


def test_the_township_sees_both_communities_and_not_the_other_district(client, township_officer, elder,
                                                                       neighbour_elder, other_district_elder):
    client.force_login(township_officer)
    assert sorted(names(client.get(LIST))) == sorted([elder.name, neighbour_elder.name])
    assert names(client.get(LIST, {"community": neighbour_elder.memberships.get().household.community_id})) == [
        neighbour_elder.name]


@pytest.mark.parametrize("band, ages_in", [("60", {60, 69}), ("70", {70, 79}), ("80", {80, 89}), ("90", {90, 99}),
                                           ("100", {100})])
def test_age_bands_at_their_edges(client, city, grid_worker, instrument, band, ages_in):
    people = {age: elder_in(city.community, name=f"老{age}", age=age) for age in (59, 60, 69, 70, 79, 80, 89, 90,
                                                                                  99, 100)}
    client.force_login(grid_worker)
    found = set(names(client.get(LIST, {"age_band": band})))
    assert found == {people[a].name for a in ages_in}
    assert people[59].name not in set(names(client.get(LIST)))


def test_filters_by_grade_arrangement_and_group(client, city, grid_worker, elder, assessor, second_assessor,
                                                instrument):
    husband = elder_in(city.community, name="林阿公", age=75, female=False)
    household_add_member(actor=None, household=husband.memberships.get().household,
                         person=f.person(name="林阿婆", birth=years_ago(72), female=True), relation="spouse")
    signed(elder, assessor, second_assessor, total=50)  # 中度失能
    elder_svc.elder_profile_update(actor=grid_worker, person_id=husband.pk, lost_only_child=True)
    client.force_login(grid_worker)
    assert names(client.get(LIST, {"grade": str(AbilityGrade.MODERATE)})) == [elder.name]
    assert set(names(client.get(LIST, {"grade": "none"}))) == {"林阿公", "林阿婆"}
    assert names(client.get(LIST, {"arrangement": "alone"})) == [elder.name]
    assert set(names(client.get(LIST, {"group": "empty_nest"}))) == {"林阿公", "林阿婆"}
    assert names(client.get(LIST, {"group": "disabled"})) == [elder.name]
    assert names(client.get(LIST, {"group": "lost_only_child"})) == ["林阿公"]
    assert names(client.get(LIST, {"group": "high_age"})) == [elder.name]
    response = client.get(LIST, {"group": "nonsense"})
    assert response.status_code == 200 and names(response) == [] and "筛选" in response.content.decode()


def test_search_by_name_and_by_full_id_number_never_in_the_url(client, grid_worker, elder):
    client.force_login(grid_worker)
    assert names(client.get(LIST, {"q": "周"})) == [elder.name]
    assert names(client.get(LIST, {"q": "王"})) == []
    number = elder.reveal_id_number()
    response = client.post(LIST, {"q": number})
    assert response.status_code == 302 and number not in response["Location"] and "id_digest=" in response["Location"]
    found = client.get(response["Location"])
    assert names(found) == [elder.name] and number not in found.content.decode()
    assert client.get(LIST, {"q": number}).status_code == 302  # an old link with the number is redirected too


def test_an_empty_list_says_so(client, grid_worker, instrument):
    client.force_login(grid_worker)
    assert "没有找到符合条件的老年人" in client.get(LIST).content.decode()


def test_the_list_pages_with_a_capped_count(client, city, grid_worker, instrument, monkeypatch):
    from eldercare.views import elders as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(5):
        elder_in(city.community, name=f"王{i}", age=70 + i)
    client.force_login(grid_worker)
    first = client.get(LIST)
    assert first.context["page"].has_next() and len(names(first)) == 2
    assert len(names(client.get(LIST, {"page": 3}))) == 1
    assert "没有" in client.get(LIST, {"page": 9}).content.decode() or client.get(LIST, {"page": 9}).context[
        "page"].past_the_end


@pytest.mark.parametrize("user", ["resident", "data_provider"])
def test_the_list_refuses_residents_and_other_roles(client, request, user, instrument):
    client.force_login(request.getfixturevalue(user))
    assert client.get(LIST).status_code == 403


def test_the_list_asks_anonymous_to_sign_in(client, instrument):
    assert "/login/" in client.get(LIST)["Location"]


# --- the person file section, profile and contacts ---------------------------------------------------

def test_the_person_file_shows_the_elder_section(client, grid_worker, elder, assessor, second_assessor):
    signed(elder, assessor, second_assessor, total=50)
    elder_svc.family_contact_add(actor=grid_worker, person_id=elder.pk, name="周小明", relation="儿子",
                                 phone="13912345678")
    client.force_login(grid_worker)
    text = client.get(reverse("portal:person_file", args=[elder.pk])).content.decode()
    for part in ("老年人信息", "独居", "高龄", "失能", "中度失能", "周小明", "139****5678"):
        assert part in text, part
    assert "13912345678" not in text


def test_profile_edit_validates_in_chinese_and_audits_without_phone(client, grid_worker, elder):
    client.force_login(grid_worker)
    url = reverse("eldercare:profile_edit", args=[elder.pk])
    bad = client.post(url, {"lost_only_child": "on", "community_doctor": "王医生", "doctor_phone": "12345"})
    assert bad.status_code == 400 and "电话号码格式不正确" in bad.content.decode()
    assert not ElderProfile.objects.filter(person=elder).exists()
    good = client.post(url, {"lost_only_child": "on", "community_doctor": "王医生", "doctor_phone": "0574-87654321"})
    assert good.status_code == 302
    profile = ElderProfile.objects.get(person=elder)
    assert profile.lost_only_child and profile.doctor_phone_masked and "87654321" not in profile.doctor_phone_masked
    event = AuditEvent.objects.filter(action="eldercare.profile_updated").get()
    assert "87654321" not in json.dumps(event.after, ensure_ascii=False)


def test_contacts_add_edit_and_remove_after_confirmation(client, grid_worker, elder):
    client.force_login(grid_worker)
    add = reverse("eldercare:contact_add", args=[elder.pk])
    bad = client.post(add, {"name": "周小明", "relation": "儿子", "phone": "2391234567", "priority": "1"})
    assert bad.status_code == 400 and "手机号为以1开头的11位数字" in bad.content.decode()
    bad = client.post(add, {"name": "周小明", "relation": "儿子", "phone": "13912345678", "priority": "10"})
    assert bad.status_code == 400 and "联系顺序应为1–9的整数" in bad.content.decode()
    assert client.post(add, {"name": "周小明", "relation": "儿子", "phone": "13912345678", "priority": "1",
                             "notify_alarms": "on"}).status_code == 302
    contact = FamilyContact.objects.get(elder=elder)
    assert contact.phone_masked == "139****5678" and contact.reveal_phone() == "13912345678"
    edit = reverse("eldercare:contact_edit", args=[contact.pk])
    assert client.post(edit, {"name": "周小明", "relation": "长子", "phone": "", "priority": "2"}).status_code == 302
    contact.refresh_from_db()
    assert contact.relation == "长子" and contact.reveal_phone() == "13912345678" and not contact.notify_alarms
    remove = reverse("eldercare:contact_remove", args=[contact.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200 and "确定删除" in confirm.content.decode()
    assert FamilyContact.objects.filter(pk=contact.pk).exists()
    assert client.post(remove).status_code == 302
    assert not FamilyContact.objects.filter(pk=contact.pk).exists()
    payloads = json.dumps([(e.before, e.after) for e in AuditEvent.objects.filter(action__startswith="eldercare.contact")],
                          ensure_ascii=False)
    assert "13912345678" not in payloads and "5678" not in payloads


@pytest.mark.parametrize("who, code", [("neighbour_grid_worker", 404), ("other_district_worker", 404),
                                       ("district_approver", 403), ("resident", 404)])
def test_profile_and_contact_pages_refuse_others(client, request, grid_worker, elder, who, code):
    contact = elder_svc.family_contact_add(actor=grid_worker, person_id=elder.pk, name="周小明", relation="儿子",
                                           phone="13912345678")
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("eldercare:profile_edit", args=[elder.pk]), reverse("eldercare:contact_add", args=[elder.pk]),
                reverse("eldercare:contact_edit", args=[contact.pk]),
                reverse("eldercare:contact_remove", args=[contact.pk])):
        assert client.get(url).status_code == code, url
    assert client.post(reverse("eldercare:contact_remove", args=[contact.pk])).status_code == code
    assert FamilyContact.objects.filter(pk=contact.pk).exists()


# --- the assessment form ------------------------------------------------------------------------

def test_the_assessment_form_step_by_step_then_two_signatures(client, elder, assessor, second_assessor, instrument):
    client.force_login(assessor)
    start = client.post(reverse("eldercare:assessment_start", args=[elder.pk]))
    assessment = Assessment.objects.get(person=elder)
    assert start.status_code == 302 and start["Location"].endswith("?step=1")
    assert client.post(reverse("eldercare:assessment_start", args=[elder.pk])).status_code == 302  # double submit
    assert Assessment.objects.filter(person=elder).count() == 1
    fill_url = reverse("eldercare:assessment_fill", args=[assessment.pk])
    page = client.get(fill_url + "?step=1")
    assert "进食" in page.content.decode() and "独立使用器具将食物送进口中" in page.content.decode()
    missing = client.post(fill_url + "?step=1", {})
    assert missing.status_code == 400 and "请为“进食”选择一项" in missing.content.decode()
    options = {o.item_id: o for o in options_totalling(instrument, 60)}
    for step, dim in enumerate(instrument.dimensions.all(), 1):
        data = {f"item_{item.pk}": options[item.pk].pk for item in dim.items.all()}
        response = client.post(f"{fill_url}?step={step}", data)
        assert response.status_code == 302, response.content.decode()[:500]
    facts = client.post(f"{fill_url}?step=5", {"assessed_on": assessment.assessed_on.isoformat(),
                                               "risk_events_30d": "31"})
    assert facts.status_code == 400 and "不超过30次" in facts.content.decode()
    done = client.post(f"{fill_url}?step=5", {"assessed_on": assessment.assessed_on.isoformat(),
                                              "risk_events_30d": "2"})
    assert done.status_code == 302
    detail = client.get(reverse("eldercare:assessment_detail", args=[assessment.pk])).content.decode()
    assert "总分 60 分" in detail and "最终评定为“重度失能”" in detail  # 中度 + 2 risk events
    sign = reverse("eldercare:assessment_sign", args=[assessment.pk])
    client.post(sign)
    client.post(sign)  # the same person again: refused with a message, nothing changes
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT and assessment.signatures.count() == 1
    client.force_login(second_assessor)
    client.post(sign)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SIGNED and assessment.grade == AbilityGrade.SEVERE


@pytest.mark.parametrize("who, code", [("grid_worker", 403), ("neighbour_grid_worker", 404),
                                       ("other_district_worker", 404), ("resident", 404)])
def test_assessment_pages_refuse_others(client, request, elder, assessor, instrument, who, code):
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("eldercare:assessment_start", args=[elder.pk])).status_code == code
    assert client.get(reverse("eldercare:assessment_fill", args=[draft.pk])).status_code == code
    assert client.post(reverse("eldercare:assessment_sign", args=[draft.pk])).status_code == code
    assert client.post(reverse("eldercare:assessment_void", args=[draft.pk]), {"reason": "错误"}).status_code == code
    detail = client.get(reverse("eldercare:assessment_detail", args=[draft.pk])).status_code
    assert detail == (200 if who == "grid_worker" else 404)
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT and not draft.signatures.exists()


# --- the API ------------------------------------------------------------------------------------

API = "/api/v1/eldercare/"


def test_api_lists_and_details_are_scoped(client, grid_worker, elder, neighbour_elder):
    elder_svc.family_contact_add(actor=grid_worker, person_id=elder.pk, name="周小明", relation="儿子",
                                 phone="13912345678")
    client.force_login(grid_worker)
    listed = client.get(API + "elders/").json()
    assert [e["name"] for e in listed["results"]] == [elder.name]
    detail = client.get(f"{API}elders/{elder.pk}/").json()
    assert detail["arrangement"] == "alone" and "高龄" in detail["special_groups"]
    assert detail["contacts"][0]["phone_masked"] == "139****5678" and "13912345678" not in json.dumps(detail)
    assert client.get(f"{API}elders/{neighbour_elder.pk}/").status_code == 404
    assert client.get(API + "elders/", {"age_band": "x"}).status_code == 400


def test_api_draft_answer_sign(client, elder, assessor, second_assessor, instrument):
    client.force_login(assessor)
    created = client.post(API + "assessments/", {"person": elder.pk}, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    answers = [{"item": o.item_id, "option": o.pk} for o in options_totalling(instrument, 90)]
    bad = client.post(f"{API}assessments/{pk}/answer/", {"answers": [{"item": answers[0]["item"],
                                                                      "option": answers[1]["option"]}]},
                      content_type="application/json")
    assert bad.status_code == 400
    assert client.post(f"{API}assessments/{pk}/answer/", {"answers": answers, "diagnosed_dementia": True},
                       content_type="application/json").status_code == 200
    assert client.post(f"{API}assessments/{pk}/sign/").status_code == 200
    assert client.post(f"{API}assessments/{pk}/sign/").status_code == 409
    client.force_login(second_assessor)
    done = client.post(f"{API}assessments/{pk}/sign/").json()
    assert done["status"] == "signed" and done["grade"] == AbilityGrade.MILD and done["raw_grade"] == 0
    assert client.post(f"{API}assessments/{pk}/answer/", {"answers": answers},
                       content_type="application/json").status_code == 409


@pytest.mark.parametrize("who, code", [("grid_worker", 403), ("neighbour_grid_worker", 404),
                                       ("other_district_worker", 404), ("resident", 403)])
def test_api_writes_refuse_others(client, request, elder, assessor, instrument, who, code):
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    client.force_login(request.getfixturevalue(who))
    if who == "resident":
        assert client.get(f"{API}assessments/{draft.pk}/").status_code == 403
    assert client.post(f"{API}assessments/{draft.pk}/sign/").status_code == code
    assert client.post(f"{API}assessments/{draft.pk}/void/", {"reason": "错误"},
                       content_type="application/json").status_code == code
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT
