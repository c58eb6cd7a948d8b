"""Department facts through the import: canonical values, re-delivery supersedes, revocation, the link sweep."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from civilaffairs.audit.models import AuditEvent
from civilaffairs.registry import selectors
from civilaffairs.registry.facts import schema
from civilaffairs.registry.imports import department_batch_import, department_facts_revoke, rows, services
from civilaffairs.registry.models import BatchStatus, DepartmentRecord, FactStatus
from civilaffairs.registry.selectors import id_digest
from tests import factories as f

HEADER = "id_number,name,kind,period_start,period_end,amount,attributes"


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _attrs(value: dict) -> str:
    """A JSON attributes cell, quoted for CSV."""
    return '"' + json.dumps(value, ensure_ascii=False).replace('"', '""') + '"'


@pytest.fixture
def known(home_household):
    person = home_household.head
    return person, person.reveal_id_number()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr("civilaffairs.registry.imports.services.CHUNK_ROWS", 3)


def _income(number, month, amount, employer=None):
    attributes = _attrs({"单位": employer}) if employer else ""
    return f"{number},,income,2024-{month:02d}-01,2024-{month:02d}-28,{amount},{attributes}"


def _current(**filters):
    return DepartmentRecord.objects.filter(status=FactStatus.CURRENT, **filters)


# --- Re-delivery ---------------------------------------------------------------------------------

def test_a_corrected_re_delivery_replaces_the_fact_and_keeps_the_old_one_superseded(data_provider, known):
    person, number = known
    first = department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1000")))
    old = DepartmentRecord.objects.get(batch=first)
    second = department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1200")))
    assert (second.loaded_rows, second.duplicate_rows, second.superseded_rows) == (1, 0, 1)
    new = DepartmentRecord.objects.get(batch=second)
    old.refresh_from_db()
    assert (old.status, old.superseded_by, old.ended_at is not None) == (FactStatus.SUPERSEDED, new.pk, True)
    assert new.status == FactStatus.CURRENT and new.natural_key == old.natural_key
    assert [r.amount for r in _current(person=person, kind="income")] == [Decimal("1200.00")]
    event = AuditEvent.objects.filter(action="registry.department_batch_imported").latest("pk")
    assert event.after["superseded"] == 1 and event.after["superseded_records"] == [old.pk]
    assert number not in json.dumps(event.after)


def test_another_employer_in_the_same_month_is_another_fact_not_a_correction(data_provider, known):
    person, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1000", "甲厂")))
    batch = department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "500", "乙店")))
    assert (batch.loaded_rows, batch.superseded_rows) == (1, 0)
    assert _current(person=person, kind="income").count() == 2


def test_re_sending_the_first_file_after_a_correction_loads_nothing_and_the_correction_stays(data_provider, known):
    person, number = known
    original = _csv(_income(number, 4, "1000"))
    department_batch_import(actor=data_provider, source="hrss", content=original)
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 4, "1100")))
    before = list(DepartmentRecord.objects.order_by("pk").values_list("pk", "status", "superseded_by"))
    again = department_batch_import(actor=data_provider, source="hrss", content=original)
    assert (again.loaded_rows, again.duplicate_rows, again.superseded_rows) == (0, 1, 0)
    assert list(DepartmentRecord.objects.order_by("pk").values_list("pk", "status", "superseded_by")) == before
    assert [r.amount for r in _current(person=person)] == [Decimal("1100.00")]


def test_a_correction_of_every_kind_of_key_finds_its_fact_on_the_first_attempt(data_provider, known, monkeypatch):
    """The import stages each row's fact identity computed in Python; the generated column computes it in
    the database. Were the twins to disagree the first attempt would fail on the one-current-fact index
    (and the retry, computing it in the database, would hide it): every load here is a first attempt."""
    from civilaffairs.registry.imports import loading

    real_sql, attempts = loading.load_sql, []
    monkeypatch.setattr(loading, "load_sql", lambda *, on_conflict: attempts.append(on_conflict) or real_sql(
        on_conflict=on_conflict))
    person, number = known
    facts = [  # (kind, start, attributes): keys of several kinds, none, non-ASCII text, a date before 2000
        ("income", "1999-12-01", {"单位": "宁波港\\集团 \"东\""}), ("income", "2024-03-01", {}),
        ("medical_expense", "2024-03-05", {"票据号": "B-7"}), ("medical_expense", "2024-03-05", {"票据号": "B-8"}),
        ("pension", "2024-03-01", {}), ("financial_assets", "2024-03-31", {"账户（脱敏）": "6222****1234"}),
    ]

    def delivery(amount):
        return _csv(*(f"{number},,{kind},{start},{start},{amount},{_attrs(attributes) if attributes else ''}"
                      for kind, start, attributes in facts))

    first = department_batch_import(actor=data_provider, source="hrss", content=delivery("100"))
    corrected = department_batch_import(actor=data_provider, source="hrss", content=delivery("120"))
    assert (first.loaded_rows, first.error_rows) == (6, 0)
    assert (corrected.loaded_rows, corrected.superseded_rows, corrected.duplicate_rows) == (6, 6, 0)
    assert attempts == [False, False]
    assert sorted(r.amount for r in _current(person=person)) == [Decimal("120.00")] * 6


@pytest.mark.parametrize("chunked", [False, True])
def test_within_one_batch_the_last_line_of_a_fact_wins_and_the_earlier_are_kept_superseded(
        data_provider, known, monkeypatch, chunked):
    if chunked:  # the three lines of March fall into different chunks
        monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    person, number = known
    batch = department_batch_import(actor=data_provider, source="hrss", content=_csv(
        _income(number, 3, "900"), _income(number, 5, "50"), _income(number, 3, "950"), _income(number, 3, "1000")))
    assert (batch.loaded_rows, batch.superseded_rows, batch.duplicate_rows) == (4, 2, 0)
    march = DepartmentRecord.objects.filter(batch=batch, period_start=dt.date(2024, 3, 1)).order_by("pk")
    winner = march.get(status=FactStatus.CURRENT)
    assert winner.amount == Decimal("1000.00")
    assert sorted(r.amount for r in march.filter(status=FactStatus.SUPERSEDED)) == [Decimal("900.00"),
                                                                                    Decimal("950.00")]
    assert set(march.filter(status=FactStatus.SUPERSEDED).values_list("superseded_by", flat=True)) <= {
        winner.pk, *march.values_list("pk", flat=True)}
    assert _current(person=person).count() == 2


def test_a_correction_marks_the_person_dirty_for_the_engine(data_provider, known):
    from civilaffairs.entitlements.models import DirtySubject

    person, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 6, "1000")))
    DirtySubject.objects.all().delete()
    old = DepartmentRecord.objects.get()
    with connection.cursor() as cursor:  # the correction's statement, alone: does its UPDATE mark too?
        cursor.execute("UPDATE registry_departmentrecord SET status = 'superseded' WHERE id = %s", [old.pk])
    # the person, for the facts; the engine's incremental batch re-scores the person's household
    assert list(DirtySubject.objects.values_list("subject_type", "subject_id", "reason")) == [
        ("person", person.pk, "facts")]


# --- Canonical values and errors ---------------------------------------------------------------

@pytest.mark.parametrize("sent, grade", [("二级", 2), ("2", 2), (2, 2), ("四级", 4)])
def test_a_grade_sent_as_text_is_stored_as_a_number(data_provider, known, sent, grade):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="dpf", channel="api", records=[
        {"id_number": number, "kind": "disability", "period_start": "2024-01-01", "period_end": "2028-12-31",
         "attributes": {"等级": sent, "类别": "肢体"}}])
    assert batch.status == BatchStatus.DONE
    assert DepartmentRecord.objects.get(batch=batch).attributes == {"grade": grade, "category": "physical"}


@pytest.mark.parametrize("sent, exempt", [("是", True), ("否", False), ("false", False), ("true", True)])
def test_yes_and_no_as_text_become_booleans_and_false_is_not_exempt(data_provider, known, sent, exempt):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="police", channel="api", records=[
        {"id_number": number, "kind": "vehicle", "period_start": "2024-01-01", "period_end": "",
         "attributes": {"是否豁免": sent, "号牌": "浙B·***12"}}])
    record = DepartmentRecord.objects.get(batch=batch)
    assert record.attributes["exempt"] is exempt and record.period_end == schema.OPEN_END


def test_the_same_value_as_text_or_label_is_one_fact_with_one_fingerprint(data_provider, known):
    _, number = known
    row = {"id_number": number, "kind": "disability", "period_start": "2024-01-01", "period_end": "2028-12-31"}
    department_batch_import(actor=data_provider, source="dpf", channel="api", records=[{**row, "attributes": {"等级": "二级"}}])
    again = department_batch_import(actor=data_provider, source="dpf", channel="api",
                                    records=[{**row, "attributes": {"grade": 2}}])
    assert (again.loaded_rows, again.duplicate_rows) == (0, 1)


@pytest.mark.parametrize("sent", ["五级", "0", "5"])
def test_an_unknown_grade_is_rejected_with_line_column_and_reason(data_provider, known, sent):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="dpf", content=_csv(
        f"{number},,disability,2024-01-01,2028-12-31,,{_attrs({'等级': '一级'})}",
        f"{number},,disability,2025-01-01,2028-12-31,,{_attrs({'等级': sent})}"))
    assert (batch.loaded_rows, batch.error_rows) == (1, 1)
    [error] = batch.errors
    assert (error["line"], error["field"]) == (3, "属性.等级")
    assert "残疾等级" in error["reason"]


def test_a_missing_required_attribute_names_the_attribute(data_provider, known):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="justice", content=_csv(
        f"{number},,custody,2024-01-01,,,"))
    assert [(e["line"], e["field"]) for e in batch.errors] == [(2, "属性.限制人身自由类型")]


def test_an_id_number_in_any_value_never_appears_in_a_reason(data_provider, known):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="dpf", content=_csv(
        f"{number},,disability,2024-01-01,2028-12-31,,{_attrs({'等级': number})}",
        f"{number},,{number},2024-01-01,2028-12-31,,",
        f"{number},,income,{number},2028-12-31,1,",
        f"{number},,vehicle,2024-01-01,2028-12-31,,{_attrs({'是否豁免': 'x' + number})}"))
    assert batch.error_rows == 4
    text = json.dumps(batch.errors, ensure_ascii=False)
    assert number not in text and number[:15] not in text and number[3:18] not in text
    assert all("*" in e["reason"] for e in batch.errors)  # masked, so the department still sees which value


def test_the_redaction_masks_15_and_18_digit_runs_and_leaves_amounts(known):
    _, number = known
    assert number not in rows.redact(f"收到“{number}”")
    assert "110105491231002" not in rows.redact("旧号 110105491231002")
    assert rows.redact("金额 123456789012.50 过大") == "金额 123456789012.50 过大"


def test_the_error_list_is_capped_and_the_batch_page_counts_the_rest(client, admin_user, data_provider, known,
                                                                        monkeypatch):
    monkeypatch.setattr(services, "ERRORS_LISTED", 3)
    _, number = known
    batch = department_batch_import(actor=data_provider, source="hrss", content=_csv(
        *(f"{number},,lottery,2024-01-01,2024-01-31,1," for _ in range(5)), _income(number, 1, "5")))
    assert (batch.error_rows, [e["line"] for e in batch.errors], batch.loaded_rows) == (5, [2, 3, 4], 1)
    assert batch.errors_not_listed == 2
    client.force_login(admin_user)
    page = client.get(reverse("admin:registry_importbatch_change", args=[batch.pk])).content.decode()
    assert "另有 2 行有误未列出" in page


@pytest.mark.parametrize("kind, attributes, accepted", [
    ("disability", {"等级": "一级"}, True), ("vehicle", {}, True), ("custody", {"类型": "服刑"}, True),
    ("income", {}, False), ("death", {}, False), ("medical_expense", {}, False)])
def test_an_empty_period_end_means_open_ended_only_for_status_and_holding_kinds(data_provider, known, kind,
                                                                              attributes, accepted):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="hrss", channel="api", records=[
        {"id_number": number, "kind": kind, "period_start": "2024-01-01", "period_end": "", "amount": "10",
         "attributes": attributes}])
    if accepted:
        assert DepartmentRecord.objects.get(batch=batch).period_end == dt.date(9999, 12, 31)
    else:
        assert batch.loaded_rows == 0 and batch.errors[0]["field"] == "period_end"


@pytest.mark.parametrize("start, ok", [("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True),
                                       ("2101-01-01", False)])
def test_dates_must_lie_between_1900_and_2100(start, ok):
    cleaner = rows.RowCleaner(today=dt.date(2026, 12, 3))
    if ok:
        assert cleaner.clean("11010519491231002X", "employment", start, "2100-12-31", "", "")[2] == start
    else:
        with pytest.raises(rows.RowError) as exc:
            cleaner.clean("11010519491231002X", "employment", start, "2100-12-31", "", "")
        assert exc.value.field == "period_start"


@pytest.mark.parametrize("start, ok", [("2027-01-01", True), ("2027-01-31", True), ("2027-02-01", False)])
def test_a_monthly_amount_may_be_sent_for_next_month_at_the_latest(start, ok):
    cleaner = rows.RowCleaner(today=dt.date(2026, 12, 3))
    args = ("11010519491231002X", "income", start, "2027-12-31", "100", "")
    if ok:
        assert cleaner.clean(*args)[2] == start
    else:
        with pytest.raises(rows.RowError) as exc:
            cleaner.clean(*args)
        assert exc.value.field == "period_start" and "下个月" in exc.value.reason
    # a status fact is not an amount for a month: a certificate valid from next year is fine
    assert cleaner.clean("11010519491231002X", "employment", "2027-02-01", "2027-12-31", "", "")[2] == "2027-02-01"


def test_kinds_without_an_amount_in_the_schema_need_none_and_kinds_with_one_must_have_it(known):
    cleaner = rows.RowCleaner(today=dt.date(2026, 12, 3))
    for kind in schema.SCHEMAS:
        args = ("11010519491231002X", kind, "2024-01-01", "2024-01-31", "", "")
        if kind in schema.KINDS_WITH_AMOUNT:
            with pytest.raises(rows.RowError, match="必须填写金额"):
                cleaner.clean(*args)


# --- Revocation ----------------------------------------------------------------------------------

def test_a_revoked_fact_stops_counting_and_is_kept_as_history(data_provider, known, grid_worker):
    person, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(
        _income(number, 7, "1000"), _income(number, 8, "1000")))
    batch = department_facts_revoke(actor=data_provider, source="hrss", records=[
        {"id_number": number, "kind": "收入", "period_start": "2024-07-01"},
        {"id_number": number, "kind": "income", "period_start": "2024-09-01"},   # no such fact
        {"id_number": number[:-1] + "0" if number[-1] != "0" else number[:-1] + "1", "kind": "income",
         "period_start": "2024-08-01"}])
    assert (batch.action, batch.revoked_rows, batch.error_rows, batch.status) == (
        "revoke", 1, 2, BatchStatus.DONE_WITH_ERRORS)
    assert [e["line"] for e in batch.errors] == [2, 3]
    assert number not in json.dumps(batch.errors, ensure_ascii=False)
    revoked = DepartmentRecord.objects.get(period_start=dt.date(2024, 7, 1))
    assert revoked.status == FactStatus.REVOKED and revoked.ended_at is not None
    assert [r.period_start.month for r in _current(person=person)] == [8]
    event = AuditEvent.objects.get(action="registry.department_facts_revoked")
    assert event.after["revoked"] == 1 and event.after["revoked_records"] == [revoked.pk]
    assert number not in json.dumps(event.after)


def test_a_department_revokes_only_its_own_facts(data_provider, known):
    _, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 7, "1000")))
    batch = department_facts_revoke(actor=data_provider, source="tax", records=[
        {"id_number": number, "kind": "income", "period_start": "2024-07-01"}])
    assert (batch.revoked_rows, batch.status) == (0, BatchStatus.FAILED)
    assert _current().count() == 1


def test_a_fact_with_a_key_attribute_is_revoked_by_it(data_provider, known):
    _, number = known
    department_batch_import(actor=data_provider, source="medins", channel="api", records=[
        {"id_number": number, "kind": "medical_expense", "period_start": "2024-05-01", "period_end": "2024-05-01",
         "amount": "100", "attributes": {"票据号": n}} for n in ("MZ1", "MZ2")])
    batch = department_facts_revoke(actor=data_provider, source="medins", records=[
        {"id_number": number, "kind": "medical_expense", "period_start": "2024-05-01", "attributes": {"bill": "MZ2"}}])
    assert batch.revoked_rows == 1
    assert [r.attributes["bill_no"] for r in _current()] == ["MZ1"]


def test_a_user_without_the_import_right_cannot_revoke(grid_worker, known):
    _, number = known
    with pytest.raises(PermissionDenied):
        department_facts_revoke(actor=grid_worker, source="hrss", records=[
            {"id_number": number, "kind": "income", "period_start": "2024-07-01"}])


def test_the_revoke_endpoint_revokes_for_a_data_provider_and_refuses_a_grid_worker(client, data_provider,
                                                                                  grid_worker, known):
    _, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 7, "1000")))
    url = reverse("api:department-batch-revoke")
    body = {"source": "hrss", "records": [{"id_number": number, "kind": "income", "period_start": "2024-07-01"}]}
    client.force_login(grid_worker)
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert _current().count() == 1
    client.force_login(data_provider)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["revoked_rows"] == 1
    assert _current().count() == 0


# --- Only current facts are listed -------------------------------------------------------------

def test_lists_show_current_facts_and_the_history_when_asked(client, data_provider, known, township_officer):
    person, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1000")))
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1200")))
    assert [r.amount for r in selectors.department_records_for_person(user=township_officer, person=person)] == [
        Decimal("1200.00")]
    history = selectors.department_records_for_person(user=township_officer, person=person, history=True)
    assert sorted(r.status for r in history) == ["current", "superseded"]
    client.force_login(township_officer)
    url = reverse("api:department-record-list")
    assert [r["amount"] for r in client.get(url, {"person": person.pk}).json()["results"]] == ["1200.00"]
    everything = client.get(url, {"person": person.pk, "status": "all"}).json()["results"]
    assert sorted(r["status"] for r in everything) == ["current", "superseded"]


def test_the_upload_page_lists_every_kind_from_the_schema(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:registry_importbatch_upload")).content.decode()
    for row in schema.import_help():
        assert row.label in page
    assert "残疾等级" in page and "视力" in page and "必填" in page


def test_the_kinds_endpoint_describes_each_kind(client, data_provider, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("api:department-batch-kinds")).status_code == 403
    client.force_login(data_provider)
    kinds = {k["kind"]: k for k in client.get(reverse("api:department-batch-kinds")).json()}
    assert set(kinds) == set(schema.SCHEMAS)
    assert [a["name"] for a in kinds["disability"]["attributes"] if a["required"]] == ["grade"]


# --- The link sweep ----------------------------------------------------------------------------

def test_the_sweep_links_records_of_a_person_registered_later(data_provider, city):
    from civilaffairs.entitlements.models import DirtySubject
    from civilaffairs.registry.models import Person
    from civilaffairs.registry.tasks import department_records_link

    number = f.id_number(region6="330206")
    department_batch_import(actor=data_provider, source="hrss", content=_csv(
        _income(number, 1, "100"), _income(number, 2, "100")))
    household = f.household(community=city.community, head_name="后登记", members=1)
    # Registered some other way than person_create (a bulk load): the records are still unlinked.
    Person.objects.filter(pk=household.head.pk).update(id_digest=id_digest(number))
    DirtySubject.objects.all().delete()
    assert department_records_link() == 2
    assert DepartmentRecord.objects.filter(person=household.head).count() == 2
    assert list(DirtySubject.objects.values_list("subject_type", "subject_id", "reason")) == [
        ("person", household.head.pk, "facts")]
    assert AuditEvent.objects.get(action="registry.department_records_linked").after == {"linked": 2}
    assert department_records_link() == 0  # idempotent


def test_the_sweep_is_on_the_beat_schedule():
    from civilaffairs.celery import app

    assert "registry.department_records_link" in {e["task"] for e in app.conf.beat_schedule.values()}


# --- Concurrency -------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_batches_correcting_the_same_fact_at_once_end_with_exactly_one_current(city, home_household,
                                                                                   monkeypatch):
    """The first batch holds its transaction open after its load; the second corrects the same fact meanwhile,
    waits on the first's row lock and unique index entry, loses, and is loaded again on top of the first."""
    from civilaffairs.registry.imports import services as import_services

    data_provider = f.staff(username="dataprov2", role="data_provider", region=city.city)
    number = home_household.head.reveal_id_number()
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1000")))
    first_loaded, release = threading.Event(), threading.Event()
    real_audit = import_services.audit_log
    attempts = []

    def audit_then_wait(**kwargs):
        attempts.append(threading.current_thread().name)
        if threading.current_thread().name == "first" and not first_loaded.is_set():
            first_loaded.set()
            release.wait(20)
        return real_audit(**kwargs)

    monkeypatch.setattr(import_services, "audit_log", audit_then_wait)
    from civilaffairs.registry.imports import loading

    real_sql, statements = loading.load_sql, []

    def noted_sql(*, on_conflict):
        statements.append((threading.current_thread().name, on_conflict))
        return real_sql(on_conflict=on_conflict)

    monkeypatch.setattr(loading, "load_sql", noted_sql)
    outcomes = {}

    def run(name, amount):
        try:
            outcomes[name] = department_batch_import(actor=data_provider, source="hrss",
                                                     content=_csv(_income(number, 3, amount)))
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first", "1100"), name="first")
    second = threading.Thread(target=run, args=("second", "1200"), name="second")
    first.start()
    assert first_loaded.wait(20)
    second.start()
    time.sleep(1.0)  # the second is now waiting on the first's lock
    release.set()
    first.join(30)
    second.join(30)
    assert statements == [("first", False), ("second", False), ("second", True)]  # the second lost and retried
    assert outcomes["first"].superseded_rows == 1 and outcomes["second"].superseded_rows == 1
    current = list(_current(kind="income"))
    assert [r.amount for r in current] == [Decimal("1200.00")]
    assert DepartmentRecord.objects.filter(kind="income").count() == 3
    first_record = DepartmentRecord.objects.get(amount=Decimal("1100.00"))
    assert (first_record.status, first_record.superseded_by) == (FactStatus.SUPERSEDED, current[0].pk)


def test_the_person_page_counts_current_facts_and_links_the_struck_through_history(client, admin_user, data_provider,
                                                                                  known):
    person, number = known
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1000")))
    department_batch_import(actor=data_provider, source="hrss", content=_csv(_income(number, 3, "1200")))
    client.force_login(admin_user)
    page = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert "现行 1 条" in page and "含已更正/已撤销的历史 1 条" in page
    listing = client.get(reverse("admin:registry_departmentrecord_changelist"),
                         {"person__id__exact": person.pk}).content.decode()
    assert '<del class="fact-superseded">已被更正</del>' in listing and "现行" in listing
