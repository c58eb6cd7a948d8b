"""The REST API under /api/v1/: the same scoping and rights as the pages, for every endpoint."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from civilaffairs.audit.models import AuditEvent
from civilaffairs.registry.imports import department_batch_import
from civilaffairs.registry.models import DepartmentRecord, ImportBatch
from civilaffairs.worklist.services import workitem_raise
from tests import factories as f

API = "/api/v1/"
CSV_HEADER = "id_number,name,kind,period_start,period_end,amount,attributes"


def api_as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {f.api_token(user)}")
    return client


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Anonymous ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "regions/", "households/", "persons/", "department-records/", "department-batches/", "worklist/items/",
    "audit/events/", "parameters/", "parameters/value/?key=dibao_standard&region=3302",
])
def test_an_anonymous_caller_is_refused_everywhere(db, path):
    assert api_as().get(API + path).status_code in (401, 403)


def test_an_anonymous_caller_cannot_post_a_batch(db):
    response = api_as().post(API + "department-batches/", {"source": "hrss", "records": [{}]}, format="json")
    assert response.status_code in (401, 403)
    assert ImportBatch.objects.count() == 0


# --- Regions ------------------------------------------------------------------------------------

def test_regions_are_filtered_by_parent_level_and_code_prefix(grid_worker, city):
    client = api_as(grid_worker)
    children = client.get(API + "regions/", {"parent": city.township.code}).json()["results"]
    assert {r["code"] for r in children} == {city.community.code, city.neighbour.code}
    districts = client.get(API + "regions/", {"level": 3, "code": "330205"}).json()["results"]
    assert [r["code"] for r in districts] == ["330205"]
    assert client.get(API + f"regions/{city.district.code}/").json()["name"] == "海曙区"


def test_a_bad_region_level_is_a_field_error_not_a_crash(grid_worker):
    response = api_as(grid_worker).get(API + "regions/", {"level": "nine"})
    assert response.status_code == 400 and "level" in response.json()


# --- Households ---------------------------------------------------------------------------------

def test_a_grid_worker_lists_only_households_in_their_community(grid_worker, home_household, other_household):
    assert ids(api_as(grid_worker).get(API + "households/")) == {home_household.pk}


def test_the_household_list_uses_the_shared_filterset(district_approver, home_household, city):
    client = api_as(district_approver)
    number = home_household.head.reveal_id_number()
    assert ids(client.get(API + "households/", {"q": "王小明"})) == {home_household.pk}
    assert ids(client.get(API + "households/", {"q": number})) == {home_household.pk}
    assert ids(client.get(API + "households/", {"q": "nobody"})) == set()
    assert ids(client.get(API + "households/", {"region": city.neighbour.code})) == set()
    assert ids(client.get(API + "households/", {"region": "not-a-code"})) == set()
    assert client.get(API + "households/", {"urban_rural": "mars"}).status_code == 400


def test_a_worker_from_another_district_gets_404_on_a_household(other_district_worker, home_household):
    assert api_as(other_district_worker).get(API + f"households/{home_household.pk}/").status_code == 404


def test_a_household_detail_lists_members_with_masked_id_and_phone_only(grid_worker, home_household):
    response = api_as(grid_worker).get(API + f"households/{home_household.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["members"]) == 3
    head = next(m for m in body["members"] if m["relation"] == "head")
    assert head["id_number_masked"] == home_household.head.id_number_masked
    assert head["phone_masked"] == "138****8000"
    text = response.content.decode()
    assert home_household.head.reveal_id_number() not in text and "13800138000" not in text


def test_a_resident_sees_only_their_own_household(resident, home_household, other_household):
    client = api_as(resident)
    assert ids(client.get(API + "households/")) == {home_household.pk}
    assert client.get(API + f"households/{other_household.pk}/").status_code == 404


def test_a_data_provider_cannot_list_households_or_persons(data_provider, home_household):
    client = token_client(data_provider)
    assert client.get(API + "households/").status_code == 403
    assert client.get(API + f"households/{home_household.pk}/").status_code == 403
    assert client.get(API + "persons/").status_code == 403


def test_a_non_numeric_household_id_is_404_not_500(grid_worker, db):
    assert api_as(grid_worker).get(API + "households/abc/").status_code == 404


# --- Reveal ---------------------------------------------------------------------------------------

def reveal_url(household, person) -> str:
    return API + f"households/{household.pk}/members/{person.pk}/reveal-id/"


def test_a_township_officer_reveals_a_members_id_and_it_is_audited(township_officer, home_household):
    head = home_household.head
    response = api_as(township_officer).post(reveal_url(home_household, head), {"reason": "入户核查"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"person_id": head.pk, "id_number": head.reveal_id_number()}
    event = AuditEvent.objects.get(action="registry.id_revealed")
    assert event.actor == township_officer and event.object_id == str(head.pk)
    assert event.after == {"reason": "入户核查"}


def test_a_grid_worker_is_refused_the_reveal_with_a_clear_message_and_the_attempt_is_audited(grid_worker,
                                                                                           home_household):
    response = api_as(grid_worker).post(reveal_url(home_household, home_household.head), {}, format="json")
    assert response.status_code == 403
    assert "权限" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="registry.id_reveal_refused", actor=grid_worker).count() == 1


def test_a_resident_cannot_reveal_even_in_their_own_household(resident, home_household):
    response = api_as(resident).post(reveal_url(home_household, home_household.head), {}, format="json")
    assert response.status_code == 403


def test_reveal_outside_the_jurisdiction_or_for_a_non_member_is_404(township_officer, home_household,
                                                                   other_household):
    client = api_as(township_officer)
    assert client.post(reveal_url(other_household, other_household.head), {}, format="json").status_code == 404
    assert client.post(reveal_url(home_household, other_household.head), {}, format="json").status_code == 404
    assert not AuditEvent.objects.filter(action="registry.id_revealed").exists()


def test_a_too_long_reveal_reason_is_a_field_error(township_officer, home_household):
    response = api_as(township_officer).post(reveal_url(home_household, home_household.head),
                                             {"reason": "x" * 500}, format="json")
    assert response.status_code == 400 and "reason" in response.json()


# --- Persons --------------------------------------------------------------------------------------

def test_persons_are_scoped_and_masked(grid_worker, home_household, other_household):
    response = api_as(grid_worker).get(API + "persons/")
    assert ids(response) == set(home_household.members.values_list("person_id", flat=True))
    assert home_household.head.reveal_id_number() not in response.content.decode()


def test_persons_can_be_found_by_full_id_number_and_a_malformed_one_is_a_400(grid_worker, home_household):
    client = api_as(grid_worker)
    number = home_household.head.reveal_id_number()
    assert ids(client.get(API + "persons/", {"id_number": number})) == {home_household.head.pk}
    response = client.get(API + "persons/", {"id_number": "12345"})
    assert response.status_code == 400 and "id_number" in response.json()


def test_a_resident_sees_their_household_members_as_persons(resident, home_household, other_household):
    assert ids(api_as(resident).get(API + "persons/")) == set(
        home_household.members.values_list("person_id", flat=True))


# --- Department records ---------------------------------------------------------------------------

@pytest.fixture
def records(data_provider, home_household, other_household):
    rows = [CSV_HEADER] + [
        f"{hh.head.reveal_id_number()},,income,2024-01-01,2024-12-31,{amount},"
        for hh, amount in ((home_household, 1000), (other_household, 2000))
    ]
    return department_batch_import(actor=data_provider, source="hrss", content="\n".join(rows).encode())


def test_an_officer_sees_department_records_of_their_own_people_only(township_officer, records, home_household):
    response = api_as(township_officer).get(API + "department-records/")
    results = response.json()["results"]
    assert [r["person"] for r in results] == [home_household.head.pk]
    assert results[0]["person_id_number_masked"] == home_household.head.id_number_masked
    assert results[0]["amount"] == "1000.00"


def test_department_records_filter_by_source_and_kind(township_officer, records):
    client = api_as(township_officer)
    assert len(ids(client.get(API + "department-records/", {"source": "hrss", "kind": "income"}))) == 1
    assert ids(client.get(API + "department-records/", {"kind": "pension"})) == set()
    assert client.get(API + "department-records/", {"period_end_after": "2024-13-01"}).status_code == 400


def test_a_worker_without_the_department_data_right_is_refused(grid_worker, resident, records):
    assert api_as(grid_worker).get(API + "department-records/").status_code == 403
    assert api_as(resident).get(API + "department-records/").status_code == 403


def test_an_officer_gets_404_on_a_record_outside_their_township(township_officer, records, other_household):
    other = DepartmentRecord.objects.get(person=other_household.head)
    assert api_as(township_officer).get(API + f"department-records/{other.pk}/").status_code == 404


# --- Department batches ---------------------------------------------------------------------------

def test_a_data_provider_posts_a_csv_file_with_a_token_and_gets_every_bad_line_back(data_provider,
                                                                                   home_household):
    number = home_household.head.reveal_id_number()
    bad_check_digit = number[:-1] + ("1" if number[-1] != "1" else "2")  # never the real one
    content = "\n".join([CSV_HEADER, f"{number},,income,2024-01-01,2024-01-31,100,",
                         f"{bad_check_digit},,income,2024-01-01,2024-01-31,100,",
                         f"{number},,income,2024-01-01,2024-01-31,-1,"]).encode()
    upload = SimpleUploadedFile("hrss.csv", content, content_type="text/csv")
    response = token_client(data_provider).post(API + "department-batches/", {"source": "hrss", "file": upload},
                                                 format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total_rows"], body["loaded_rows"], body["error_rows"]) == (3, 1, 2)
    assert body["status"] == "done_with_errors" and body["channel"] == "api"
    assert [e["line"] for e in body["errors"]] == [3, 4]
    assert number not in response.content.decode()


def test_a_data_provider_posts_json_records_and_a_resend_loads_nothing_new(data_provider, home_household):
    number = home_household.head.reveal_id_number()
    payload = {"source": "medins", "records": [
        {"id_number": number, "kind": "medical_expense", "period_start": "2024-01-01",
         "period_end": "2024-06-30", "amount": "8800.00", "attributes": {"hospital": "市一院"}},
        {"id_number": "not-an-id", "kind": "medical_expense", "period_start": "2024-01-01",
         "period_end": "2024-06-30", "amount": 1},
    ]}
    client = token_client(data_provider)
    first = client.post(API + "department-batches/", payload, format="json")
    assert first.status_code == 201
    assert (first.json()["loaded_rows"], first.json()["errors"][0]["line"]) == (1, 2)
    again = client.post(API + "department-batches/", payload, format="json")
    assert (again.json()["loaded_rows"], again.json()["duplicate_rows"]) == (0, 1)
    assert DepartmentRecord.objects.count() == 1


@pytest.mark.parametrize("payload", [
    {"source": "hrss"},
    {"source": "hrss", "records": []},
    {"source": "hrss", "records": "not a list"},
    {"source": "hrss", "records": [1, 2]},
    {"source": "nasa", "records": [{}]},
    {"records": [{}]},
])
def test_a_malformed_batch_request_is_a_400_with_field_errors(data_provider, payload):
    response = token_client(data_provider).post(API + "department-batches/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"source", "records"}
    assert ImportBatch.objects.count() == 0


def test_a_file_with_unknown_columns_is_a_400_and_the_failed_batch_says_why(data_provider):
    upload = SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n", content_type="text/csv")
    response = token_client(data_provider).post(API + "department-batches/", {"source": "hrss", "file": upload},
                                                 format="multipart")
    assert response.status_code == 400
    assert response.json()["status"] == "failed" and "foo" in response.json()["errors"][0]["reason"]


def test_an_unreadable_file_is_a_400_without_a_batch(data_provider):
    upload = SimpleUploadedFile("x.pdf", b"%PDF\x00\x00\x00", content_type="application/pdf")
    response = token_client(data_provider).post(API + "department-batches/", {"source": "hrss", "file": upload},
                                                 format="multipart")
    assert response.status_code == 400 and "无法识别" in str(response.json())
    assert ImportBatch.objects.count() == 0


def test_a_data_provider_lists_only_their_own_batches(data_provider, city):
    other_provider = f.staff(username="dataprov2", role="data_provider", region=city.city)
    mine = department_batch_import(actor=data_provider, source="hrss", records=[{"id_number": "x"}])
    department_batch_import(actor=other_provider, source="tax", records=[{"id_number": "x"}])
    client = token_client(data_provider)
    assert ids(client.get(API + "department-batches/")) == {mine.pk}
    assert client.get(API + f"department-batches/{mine.pk}/").json()["errors"][0]["line"] == 1
    assert client.get(API + f"department-batches/{mine.pk + 1}/").status_code == 404


def test_a_user_without_the_import_right_cannot_post_or_list_batches(grid_worker, resident):
    for user in (grid_worker, resident):
        client = token_client(user)
        assert client.post(API + "department-batches/", {"source": "hrss", "records": [{}]},
                           format="json").status_code == 403
        assert client.get(API + "department-batches/").status_code == 403
    assert ImportBatch.objects.count() == 0


# --- Worklist -------------------------------------------------------------------------------------

@pytest.fixture
def items(city):
    home, _ = workitem_raise(kind="test", title="走访王小明", region_code=city.community.code)
    away, _ = workitem_raise(kind="test", title="江北走访", region_code=city.other_community.code)
    return home, away


def test_a_grid_worker_lists_worklist_items_in_their_community_only(grid_worker, items):
    home, _ = items
    assert ids(api_as(grid_worker).get(API + "worklist/items/")) == {home.pk}


def test_a_worker_from_another_district_gets_404_on_a_worklist_item(other_district_worker, items):
    home, _ = items
    client = api_as(other_district_worker)
    assert client.get(API + f"worklist/items/{home.pk}/").status_code == 404
    response = client.post(API + f"worklist/items/{home.pk}/transition/", {"to_status": "in_progress"}, format="json")
    assert response.status_code == 404


def test_a_grid_worker_takes_and_closes_an_item_and_each_step_is_audited(grid_worker, items):
    home, _ = items
    client = api_as(grid_worker)
    url = API + f"worklist/items/{home.pk}/transition/"
    taken = client.post(url, {"to_status": "in_progress"}, format="json")
    assert taken.status_code == 200 and taken.json()["status"] == "in_progress"
    assert taken.json()["assignee"] == grid_worker.pk
    no_outcome = client.post(url, {"to_status": "done"}, format="json")
    assert no_outcome.status_code == 400 and "outcome" in no_outcome.json()
    done = client.post(url, {"to_status": "done", "outcome": "已走访"}, format="json")
    assert done.json()["status"] == "done"
    assert AuditEvent.objects.filter(action__in=["worklist.item_in_progress", "worklist.item_done"]).count() == 2
    assert ids(client.get(API + "worklist/items/")) == set()
    assert ids(client.get(API + "worklist/items/", {"status": "done"})) == {home.pk}


def test_a_transition_the_items_state_forbids_is_a_409_and_an_unknown_one_a_400(grid_worker, items):
    home, _ = items
    client = api_as(grid_worker)
    url = API + f"worklist/items/{home.pk}/transition/"
    client.post(url, {"to_status": "cancelled", "outcome": "重复"}, format="json")
    illegal = client.post(url, {"to_status": "open"}, format="json")
    # Well formed, but the item has moved on: reload it (409), not "fix your request" (400).
    assert illegal.status_code == 409 and "不能变更" in illegal.json()["detail"]
    assert client.post(url, {"to_status": "teleported"}, format="json").status_code == 400
    assert client.post(url, ["not", "an", "object"], format="json").status_code == 400


def test_residents_and_data_providers_have_no_worklist(resident, data_provider, items):
    assert api_as(resident).get(API + "worklist/items/").status_code == 403
    assert token_client(data_provider).get(API + "worklist/items/").status_code == 403


# --- Audit ----------------------------------------------------------------------------------------

def test_a_city_admin_reads_audit_events_in_the_city(city_admin, township_officer, home_household):
    api_as(township_officer).post(reveal_url(home_household, home_household.head), {}, format="json")
    response = api_as(city_admin).get(API + "audit/events/", {"action": "registry.id_revealed"})
    results = response.json()["results"]
    assert len(results) == 1 and results[0]["actor"] == township_officer.pk
    assert results[0]["region_code"] == home_household.community_id


def test_audit_events_are_refused_without_the_audit_right(district_approver, grid_worker, resident):
    for user in (district_approver, grid_worker, resident):
        assert api_as(user).get(API + "audit/events/").status_code == 403


def test_bad_audit_filters_are_field_errors(city_admin):
    response = api_as(city_admin).get(API + "audit/events/", {"created_after": "yesterday", "actor": "x"})
    assert response.status_code == 400 and {"created_after", "actor"} <= set(response.json())


# --- Parameters -----------------------------------------------------------------------------------

def test_parameters_are_listed_and_filtered(resident):
    response = api_as(resident).get(API + "parameters/", {"key": "dibao_standard"})
    rows = response.json()["results"]
    assert rows and {r["key"] for r in rows} == {"dibao_standard"}


def test_the_value_in_force_is_inherited_from_the_city_with_its_row(grid_worker, city):
    response = api_as(grid_worker).get(API + "parameters/value/", {"key": "dibao_standard",
                                                                  "region": city.community.code,
                                                                  "on": "2024-06-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["value"] == "1135.0000" and body["region"] == "3302"
    assert body["requested_region"] == city.community.code and body["effective_from"] == "2023-09-01"


def test_a_missing_value_is_a_404_with_a_clear_message(grid_worker, city):
    response = api_as(grid_worker).get(API + "parameters/value/", {"key": "dibao_standard", "region": "3302",
                                                                  "on": "2000-01-01"})
    assert response.status_code == 404 and "没有" in response.json()["detail"]


@pytest.mark.parametrize("query", [
    {"key": "no_such_key", "region": "3302"},
    {"key": "dibao_standard", "region": "abc"},
    {"key": "dibao_standard", "region": "999999"},
    {"key": "dibao_standard", "region": "3302", "on": "2024-02-30"},
    {"region": "3302"},
])
def test_bad_parameter_queries_are_400(grid_worker, query):
    assert api_as(grid_worker).get(API + "parameters/value/", query).status_code == 400


# --- Session authentication and the schema --------------------------------------------------------

@pytest.mark.parametrize("prefix", ["330203", "330203001001", "3302", "abc", "%", ""])
def test_worklist_items_filter_by_region_prefix_and_any_value_is_an_answer(grid_worker, items, prefix):
    home, _ = items
    response = api_as(grid_worker).get(API + "worklist/items/", {"region": prefix})
    assert response.status_code == 200, response.content  # was a FieldError (500) for every value
    expected = {home.pk} if home.region_id.startswith(prefix) else set()
    assert ids(response) == expected


@pytest.mark.parametrize("pk", ["abc", "1.5", "99999999999999999999999", "-1", "0"])
def test_detail_and_action_routes_answer_404_with_a_message_for_ids_that_are_no_object(grid_worker, items, pk):
    client = api_as(grid_worker)
    for response in (client.get(API + f"worklist/items/{pk}/"),
                     client.post(API + f"worklist/items/{pk}/transition/", {"to_status": "in_progress"},
                                 format="json"),
                     client.get(API + f"households/{pk}/"), client.get(API + f"persons/{pk}/"),
                     client.get(API + f"audit/events/{pk}/")):
        assert response.status_code in (403, 404), response.content
        assert response.json()["detail"]


def _schema() -> dict:
    import json

    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", "--fail-on-warn", stdout=out)
    return json.loads(out.getvalue())


def test_the_schema_documents_the_errors_each_operation_answers_with_one_error_body(db):
    schema = _schema()
    operations = {(method.upper(), path): op for path, item in schema["paths"].items() for method, op in item.items()}
    error, invalid = "#/components/schemas/ErrorOutput", "#/components/schemas/ValidationErrorOutput"
    for (method, path), op in operations.items():
        responses = op["responses"]
        assert "401" in responses, (method, path)
        assert responses["401"]["content"]["application/json"]["schema"] == {"$ref": error}
        if "{" in path:
            assert responses["404"]["content"]["application/json"]["schema"] == {"$ref": error}, (method, path)
        if method == "POST":
            assert {"400", "403"} <= set(responses), (method, path)
    listing = operations[("GET", "/api/v1/worklist/items/")]["responses"]
    assert {"400", "403", "404"} <= set(listing)  # a bad filter value, no right, a page that is no page
    assert listing["400"]["content"]["application/json"]["schema"] == {"$ref": invalid}
    assert "403" not in operations[("GET", "/api/v1/regions/")]["responses"]  # any signed-in caller
    batch = operations[("POST", "/api/v1/department-batches/")]["responses"]["400"]["content"]
    assert {"$ref": invalid} in batch["application/json"]["schema"]["anyOf"]  # a failed batch or field errors


def test_the_api_accepts_a_signed_in_browser_session(client, grid_worker, home_household):
    client.force_login(grid_worker)
    assert client.get(API + "households/").json()["count"] == 1


def test_the_openapi_schema_generates_without_warnings_and_validates(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)


def test_the_schema_and_docs_pages_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_an_oversized_upload_is_refused_with_a_clear_message(data_provider, settings):
    settings.DEPARTMENT_IMPORT_MAX_BYTES = 50
    upload = SimpleUploadedFile("big.csv", (CSV_HEADER + "\n" + "x," * 40).encode(), content_type="text/csv")
    response = token_client(data_provider).post(API + "department-batches/", {"source": "hrss", "file": upload},
                                                 format="multipart")
    assert response.status_code == 400 and "过大" in str(response.json()["file"])
    assert ImportBatch.objects.count() == 0


def test_a_body_that_is_not_json_or_has_no_file_is_a_400(data_provider):
    client = token_client(data_provider)
    broken = client.post(API + "department-batches/", "{not json", content_type="application/json")
    assert broken.status_code == 400
    no_file = client.post(API + "department-batches/", {"source": "hrss"}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()


def test_a_programmes_capability_refuses_with_403_and_its_label(grid_worker):
    """``capability_required`` with a capability a programme registered: a refusal names it (not a 500)."""
    from rest_framework.test import APIRequestFactory, force_authenticate
    from rest_framework.views import APIView

    from civilaffairs.api.permissions import capability_required

    class View(APIView):
        permission_classes = [capability_required("childwelfare.approve")]

        def get(self, request):  # pragma: no cover - refused before
            raise AssertionError

    request = APIRequestFactory().get("/x/")
    force_authenticate(request, user=grid_worker)
    response = View.as_view()(request)
    assert response.status_code == 403 and "审批儿童类别和基本生活费" in str(response.data["detail"])
