"""Department-data imports: every bad row reported with its line, good rows load, re-sends add nothing."""
from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from openpyxl import Workbook

from civilaffairs.audit.models import AuditEvent
from civilaffairs.lib.masking import mask_id_number
from civilaffairs.registry.imports import department_batch_import
from civilaffairs.registry.models import BatchStatus, DepartmentRecord, ImportBatch
from civilaffairs.registry.selectors import id_digest
from tests import factories as f

HEADER = "id_number,name,kind,period_start,period_end,amount,attributes"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def _bad_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


@pytest.fixture
def known(home_household):
    """The head of the home household, whose records should link to the person."""
    person = home_household.head
    return person, person.reveal_id_number()


def test_good_rows_load_and_link_to_the_registered_person(data_provider, known):
    person, number = known
    stranger = f.id_number(region6="330205")
    content = _csv(f"{number},王小明,income,2024-01-01,2024-12-31,12000.50,",
                   f"{stranger},某人,disability,2024-01-01,2024-12-31,,\"{{\"\"等级\"\": \"\"二级\"\"}}\"")
    batch = department_batch_import(actor=data_provider, source="hrss", channel="file", file_name="in.csv",
                                    content=content)
    assert batch.status == BatchStatus.DONE
    assert (batch.total_rows, batch.loaded_rows, batch.duplicate_rows, batch.error_rows) == (2, 2, 0, 0)
    assert batch.submitted_by == data_provider and batch.finished_at is not None
    linked = DepartmentRecord.objects.get(batch=batch, kind="income")
    assert linked.person == person and linked.amount == Decimal("12000.50")
    unlinked = DepartmentRecord.objects.get(batch=batch, kind="disability")
    assert unlinked.person is None and unlinked.id_digest == id_digest(stranger)
    assert unlinked.attributes == {"grade": 2}  # canonical: what the import stores and the reader reads


def test_every_bad_row_is_reported_with_its_line_and_reason_and_good_rows_still_load(data_provider, known):
    _, number = known
    other = f.id_number()
    content = _csv(
        f"{number},,income,2024-01-01,2024-01-31,100,",              # line 2: good
        f"{_bad_check_digit(other)},,income,2024-01-01,2024-01-31,1,",  # line 3: check digit
        f"{other},,lottery,2024-01-01,2024-01-31,1,",                 # line 4: unknown kind
        f"{other},,income,2024-02-30,2024-03-31,1,",                  # line 5: bad date
        f"{other},,income,2024-03-01,2024-02-01,1,",                  # line 6: end before start
        f"{other},,income,2024-01-01,2024-01-31,,",                   # line 7: missing amount
        f"{other},,pension,2024-01-01,2024-01-31,-5,",                # line 8: negative
        f"{other},,vehicle,2024-01-01,2024-01-31,,[1]",               # line 9: attributes not an object
        f"{other},,vehicle,2024-01-01,2024-01-31,,{{oops",            # line 10: bad JSON
        f"{other},,收入,2024/01/01,20240131,\"1,234.5\",",            # line 11: good (label, formats)
    )
    batch = department_batch_import(actor=data_provider, source="hrss", file_name="x.csv", content=content)
    assert batch.status == BatchStatus.DONE_WITH_ERRORS
    assert (batch.total_rows, batch.loaded_rows, batch.error_rows) == (10, 2, 8)
    by_line = {e["line"]: e for e in batch.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "校验位" in by_line[3]["reason"] and by_line[3]["field"] == "id_number"
    assert "lottery" in by_line[4]["reason"]
    assert "不是有效日期" in by_line[5]["reason"]
    assert "期间止不能早于期间起" in by_line[6]["reason"]
    assert "必须填写金额" in by_line[7]["reason"]
    assert "负数" in by_line[8]["reason"]
    assert "JSON 对象" in by_line[9]["reason"]
    assert "JSON" in by_line[10]["reason"]
    assert DepartmentRecord.objects.get(batch=batch, amount=Decimal("1234.50")).period_end == dt.date(2024, 1, 31)


def test_error_messages_show_the_masked_id_number_never_the_plain_one(data_provider):
    bad = _bad_check_digit(f.id_number())
    batch = department_batch_import(actor=data_provider, source="hrss",
                                    content=_csv(f"{bad},,income,2024-01-01,2024-01-31,1,"))
    dumped = json.dumps(batch.errors, ensure_ascii=False)
    assert bad not in dumped and bad[6:14] not in dumped
    assert mask_id_number(bad) in dumped
    assert bad not in json.dumps(AuditEvent.objects.get(action="registry.department_batch_imported").after, ensure_ascii=False)


def test_a_resent_batch_adds_no_records_and_counts_duplicates(data_provider, known):
    _, number = known
    content = _csv(*(f"{number},,income,2024-{m:02d}-01,2024-{m:02d}-28,{m}00,\"{{\"\"b\"\":1}}\""
                     for m in range(1, 7)))
    first = department_batch_import(actor=data_provider, source="hrss", content=content)
    again = department_batch_import(actor=data_provider, source="hrss", content=content)
    assert (first.loaded_rows, first.duplicate_rows) == (6, 0)
    assert (again.loaded_rows, again.duplicate_rows, again.status) == (0, 6, BatchStatus.DONE)
    assert first.content_sha256 == again.content_sha256
    assert DepartmentRecord.objects.count() == 6


def test_duplicates_inside_one_batch_and_reordered_attributes_are_one_record(data_provider, known):
    _, number = known
    content = _csv(f"{number},,vehicle,2024-01-01,2024-01-31,,\"{{\"\"a\"\":1,\"\"b\"\":2}}\"",
                   f"{number},,vehicle,2024-01-01,2024-01-31,,\"{{\"\"b\"\":2,\"\"a\"\":1}}\"")
    batch = department_batch_import(actor=data_provider, source="realestate", content=content)
    assert (batch.loaded_rows, batch.duplicate_rows) == (1, 1)


def test_the_same_fact_from_another_department_is_a_separate_record(data_provider, known):
    _, number = known
    content = _csv(f"{number},,income,2024-01-01,2024-01-31,100,")
    department_batch_import(actor=data_provider, source="hrss", content=content)
    batch = department_batch_import(actor=data_provider, source="tax", content=content)
    assert batch.loaded_rows == 1


def test_chinese_headers_and_a_utf8_bom_are_accepted(data_provider, known):
    person, number = known
    content = "\ufeff身份证号,姓名,类别,期间起,期间止,金额,属性\n" + f"{number},王小明,养老金,2024-01-01,2024-01-31,3000,\n"
    batch = department_batch_import(actor=data_provider, source="hrss", content=content.encode("utf-8"))
    assert batch.status == BatchStatus.DONE
    assert DepartmentRecord.objects.get(batch=batch).kind == "pension"


def test_a_gb18030_file_from_an_older_system_is_read(data_provider, known):
    _, number = known
    content = "身份证号,姓名,类别,期间起,期间止,金额（元）\n" + f"{number},王小明,医疗支出,2024-01-01,2024-06-30,8800.00\n"
    batch = department_batch_import(actor=data_provider, source="medins", content=content.encode("gb18030"))
    assert batch.status == BatchStatus.DONE, batch.errors
    assert DepartmentRecord.objects.get(batch=batch).kind == "medical_expense"


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_file_loads_with_sheet_row_numbers_for_errors(data_provider, known):
    person, number = known
    content = _xlsx([
        ["身份证号", "姓名", "类别", "期间起", "期间止", "金额"],
        [number, "王小明", "income", dt.datetime(2024, 1, 1), dt.date(2024, 1, 31), 1500.5],
        [None, None, None, None, None, None],
        [310101198001011234.0, "数字", "income", "2024-01-01", "2024-01-31", 10],
        [number, "王小明", "pension", "2024-01-01", "2024-01-31", "abc"],
    ])
    batch = department_batch_import(actor=data_provider, source="hrss", file_name="data.xlsx", content=content)
    assert (batch.total_rows, batch.loaded_rows, batch.error_rows) == (3, 1, 2)
    assert [e["line"] for e in batch.errors] == [4, 5]
    assert "文本格式" in batch.errors[0]["reason"]
    assert "不是数字" in batch.errors[1]["reason"]
    record = DepartmentRecord.objects.get(batch=batch)
    assert record.person == person and record.amount == Decimal("1500.50")
    assert record.period_start == dt.date(2024, 1, 1)


def test_unknown_columns_fail_the_batch_with_a_clear_reason(data_provider):
    content = _csv("x", header="id_number,kind,period_start,period_end,amount,salary")
    batch = department_batch_import(actor=data_provider, source="hrss", content=content)
    assert batch.status == BatchStatus.FAILED
    assert batch.loaded_rows == 0 and DepartmentRecord.objects.count() == 0
    assert batch.errors[0]["line"] == 1 and "salary" in batch.errors[0]["reason"]


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_without_a_batch(data_provider):
    for content, name in [(b"%PDF-1.4\x00\x01\x02binary", "report.pdf"),
                          (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls"),
                          (b"PK\x03\x04not-really-a-zip", "broken.xlsx"),
                          (b"", "empty.csv")]:
        with pytest.raises(ValidationError):
            department_batch_import(actor=data_provider, source="hrss", file_name=name, content=content)
    assert ImportBatch.objects.count() == 0


@override_settings(DEPARTMENT_IMPORT_MAX_BYTES=100)
def test_an_oversized_file_is_refused_with_a_clear_message(data_provider, known):
    _, number = known
    content = _csv(*([f"{number},,income,2024-01-01,2024-01-31,100,"] * 5))
    with pytest.raises(ValidationError) as exc:
        department_batch_import(actor=data_provider, source="hrss", content=content)
    assert "超过" in exc.value.messages[0]
    assert ImportBatch.objects.count() == 0


def test_the_import_is_audited_with_its_counts(data_provider, known):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="hrss",
                                    content=_csv(f"{number},,income,2024-01-01,2024-01-31,1,", "bad,,,,,,"))
    event = AuditEvent.objects.get(action="registry.department_batch_imported")
    assert event.actor == data_provider and event.object_id == str(batch.pk)
    assert event.after["loaded"] == 1 and event.after["errors"] == 1 and event.after["total"] == 2


def test_api_records_are_validated_like_file_rows(data_provider, known):
    person, number = known
    batch = department_batch_import(actor=data_provider, source="bank", channel="api", records=[
        {"id_number": number, "kind": "financial_assets", "period_start": "2024-06-30",
         "period_end": "2024-06-30", "amount": 52000, "attributes": {"accounts": 2}},
        {"id_number": 12345, "kind": "financial_assets", "period_start": "2024-06-30",
         "period_end": "2024-06-30", "amount": "1"},
        "not an object",
        {"身份证号": number, "类别": "金融资产", "期间起": [1], "期间止": "2024-06-30", "金额": 1},
        {"id_number": number, "kind": "income", "period_start": "2024-06-30", "period_end": "2024-06-30",
         "amount": True, "salary": 1},
    ])
    assert (batch.total_rows, batch.loaded_rows, batch.error_rows) == (5, 1, 4)
    assert [e["line"] for e in batch.errors] == [2, 3, 4, 5]
    assert DepartmentRecord.objects.get(batch=batch).person == person


def test_a_user_without_the_import_right_cannot_import(grid_worker):
    with pytest.raises(PermissionDenied):
        department_batch_import(actor=grid_worker, source="hrss", content=_csv())


def test_an_unknown_source_is_refused(data_provider):
    with pytest.raises(ValidationError):
        department_batch_import(actor=data_provider, source="nasa", content=_csv())


# --- Admin: read-only batches and records, upload view ------------------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.urls import reverse  # noqa: E402

UPLOAD_URL = "admin:registry_importbatch_upload"


def test_a_superuser_uploads_a_file_in_the_admin_and_lands_on_the_batch_page(client, admin_user, known):
    _, number = known
    client.force_login(admin_user)
    upload = SimpleUploadedFile("hrss.csv", _csv(f"{number},,income,2024-01-01,2024-01-31,100,", "bad,,,,,,"))
    response = client.post(reverse(UPLOAD_URL), {"source": "hrss", "file": upload}, follow=True)
    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:registry_importbatch_change", args=[batch.pk])
    page = response.content.decode()
    assert "导入 1 行" in page and "错误 1 行" in page
    assert "import-errors" in page  # the error table on the batch page
    assert batch.submitted_by == admin_user and batch.channel == "file"


def test_the_admin_upload_form_shows_a_clear_message_for_an_unreadable_file(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\x00\x00binary")
    response = client.post(reverse(UPLOAD_URL), {"source": "hrss", "file": upload})
    assert response.status_code == 200
    assert "无法识别的文件格式" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_city_admin_with_the_import_right_can_open_the_upload_page(client, city_admin):
    client.force_login(city_admin)
    assert client.get(reverse(UPLOAD_URL)).status_code == 200
    assert "上传部门数据" in client.get(reverse("admin:registry_importbatch_changelist")).content.decode()


def test_a_staff_user_without_the_import_right_cannot_upload(client, city):
    clerk = f.staff(username="clerk", role="grid_worker", region=city.community, is_staff=True)
    client.force_login(clerk)
    upload = SimpleUploadedFile("hrss.csv", _csv())
    assert client.post(reverse(UPLOAD_URL), {"source": "hrss", "file": upload}).status_code == 403
    assert ImportBatch.objects.count() == 0


def test_batches_and_records_are_read_only_in_the_admin(client, admin_user, data_provider, known):
    _, number = known
    batch = department_batch_import(actor=data_provider, source="hrss",
                                    content=_csv(f"{number},,income,2024-01-01,2024-01-31,100,"))
    record = DepartmentRecord.objects.get()
    client.force_login(admin_user)
    assert client.get(reverse("admin:registry_importbatch_add")).status_code == 403
    assert client.post(reverse("admin:registry_importbatch_delete", args=[batch.pk]), {"post": "yes"}).status_code == 403
    page = client.get(reverse("admin:registry_departmentrecord_change", args=[record.pk])).content.decode()
    assert 'name="amount"' not in page  # shown, not editable


def test_record_admin_shows_the_masked_id_and_finds_records_by_batch_or_id_number(client, admin_user,
                                                                                   data_provider, known):
    person, number = known
    batch = department_batch_import(actor=data_provider, source="hrss",
                                    content=_csv(f"{number},,income,2024-01-01,2024-01-31,100,"))
    client.force_login(admin_user)
    url = reverse("admin:registry_departmentrecord_changelist")
    page = client.get(url).content.decode()
    assert person.id_number_masked in page and number not in page
    assert "1 " in client.get(url, {"q": str(batch.pk)}).content.decode()
    assert person.id_number_masked in client.get(url, {"q": number}).content.decode()
    assert person.id_number_masked not in client.get(url, {"q": str(batch.pk + 100)}).content.decode()
    assert client.get(url, {"source__exact": "hrss", "kind__exact": "income"}).status_code == 200


# --- The bulk pipeline: staging in chunks, set-based load, one transaction ------------------------

from django.db import DatabaseError  # noqa: E402
from hypothesis import given, settings as hypothesis_settings, strategies as st  # noqa: E402

from civilaffairs.lib.crypto import blind_index, blind_indexer  # noqa: E402
from civilaffairs.lib.idnumber import check_digit  # noqa: E402
from civilaffairs.registry.imports import loading, rows  # noqa: E402


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of three rows, so a short file is staged and loaded in several statements."""
    monkeypatch.setattr("civilaffairs.registry.imports.services.CHUNK_ROWS", 3)


def test_a_file_mixing_good_bad_duplicate_and_unknown_person_rows_is_reported_row_by_row(
        data_provider, known, small_chunks):
    person, number = known
    stranger = f.id_number(region6="330205")
    department_batch_import(actor=data_provider, source="hrss",
                            content=_csv(f"{number},,income,2024-01-01,2024-01-31,100,"))
    content = _csv(
        f"{number},,income,2024-01-01,2024-01-31,100,",             # 2: loaded by the earlier batch
        f"{number},,income,2024-02-01,2024-02-29,100,",             # 3: good
        f"{_bad_check_digit(number)},,income,2024-02-01,2024-02-29,1,",  # 4: check digit
        f"{stranger},,pension,2024-02-01,2024-02-29,2000,",         # 5: good, person not registered
        f"{number},,income,2024-02-01,2024-02-29,100.00,",          # 6: same as line 3
        f"{number},,income,2024-13-01,2024-02-29,1,",               # 7: bad date
        f"{number},,income,2024-03-01,2024-03-31,1e3,",             # 8: good (the slow amount path)
        f"{stranger},,lottery,2024-02-01,2024-02-29,1,",            # 9: unknown kind
        f"{stranger},,pension,2024-02-01,2024-02-29,2000,",         # 10: same as line 5
        f"{number},,vehicle,2024-03-01,2024-03-31,,",               # 11: good
    )
    batch = department_batch_import(actor=data_provider, source="hrss", file_name="mixed.csv", content=content)
    assert batch.status == BatchStatus.DONE_WITH_ERRORS
    assert (batch.total_rows, batch.loaded_rows, batch.duplicate_rows, batch.error_rows) == (10, 4, 3, 3)
    assert [(e["line"], e["field"]) for e in batch.errors] == [(4, "id_number"), (7, "period_start"), (9, "kind")]
    assert (batch.unmatched_rows, batch.unmatched_lines) == (1, [5])  # line 10 loaded nothing
    records = DepartmentRecord.objects.filter(batch=batch)
    assert sorted((r.kind, str(r.period_start), r.amount) for r in records.filter(person=person)) == [
        ("income", "2024-02-01", Decimal("100.00")), ("income", "2024-03-01", Decimal("1000.00")),
        ("vehicle", "2024-03-01", None)]
    unlinked = records.get(person__isnull=True)
    assert unlinked.id_digest == id_digest(stranger) and unlinked.amount == Decimal("2000.00")
    event = AuditEvent.objects.filter(action="registry.department_batch_imported").latest("pk")
    assert event.after["unmatched"] == 1 and event.after["duplicates"] == 3


def test_a_resent_batch_of_many_chunks_loads_nothing_and_changes_nothing(data_provider, known, small_chunks):
    _, number = known
    content = _csv(*(f"{number},,income,2023-{m:02d}-01,2023-{m:02d}-28,{m}0{d},"
                     for m in range(1, 13) for d in range(2)))
    first = department_batch_import(actor=data_provider, source="hrss", content=content)
    before = list(DepartmentRecord.objects.order_by("pk").values_list("pk", "batch_id", "fingerprint"))
    again = department_batch_import(actor=data_provider, source="hrss", content=content)
    assert (first.loaded_rows, first.duplicate_rows) == (24, 0)
    assert (again.total_rows, again.loaded_rows, again.duplicate_rows, again.status) == (24, 0, 24, BatchStatus.DONE)
    assert list(DepartmentRecord.objects.order_by("pk").values_list("pk", "batch_id", "fingerprint")) == before


def test_a_row_whose_person_is_unknown_loads_unlinked_is_listed_and_found_by_id_number_in_the_admin(
        client, admin_user, data_provider):
    stranger = f.id_number(region6="330205")
    batch = department_batch_import(actor=data_provider, source="medins", channel="api", records=[
        {"id_number": stranger, "kind": "medical_expense", "period_start": "2024-05-01",
         "period_end": "2024-05-31", "amount": "880.5"}])
    assert (batch.status, batch.loaded_rows, batch.unmatched_rows, batch.unmatched_lines) == (
        BatchStatus.DONE, 1, 1, [1])
    record = DepartmentRecord.objects.get(batch=batch)
    assert record.person_id is None and record.amount == Decimal("880.50")
    client.force_login(admin_user)
    page = client.get(reverse("admin:registry_departmentrecord_changelist"), {"q": stranger}).content.decode()
    assert "未匹配到登记人员" in page and "1 条结果" in page
    page = client.get(reverse("admin:registry_importbatch_change", args=[batch.pk])).content.decode()
    assert "未匹配人员" in page


def test_the_unmatched_line_list_is_capped_but_the_count_is_exact(data_provider, monkeypatch, small_chunks):
    monkeypatch.setattr(loading, "UNMATCHED_LISTED", 4)
    strangers = [f.id_number(region6="330205") for _ in range(7)]
    batch = department_batch_import(actor=data_provider, source="hrss", content=_csv(
        *(f"{n},,employment,2024-01-01,2024-01-31,," for n in strangers)))
    assert (batch.unmatched_rows, batch.unmatched_lines) == (7, [2, 3, 4, 5])


def test_a_database_error_in_a_later_chunk_leaves_no_batch_no_records_and_no_audit_event(
        data_provider, known, small_chunks, monkeypatch):
    _, number = known
    real_load = loading.ChunkLoader._load
    calls = []

    def fail_on_the_second_chunk(self, cursor, payload):
        calls.append(payload)
        if len(calls) == 2:
            cursor.execute("SELECT 1 / 0")
        return real_load(self, cursor, payload)

    monkeypatch.setattr(loading.ChunkLoader, "_load", fail_on_the_second_chunk)
    content = _csv(*(f"{number},,income,2022-{m:02d}-01,2022-{m:02d}-28,{m}," for m in range(1, 13)))
    with pytest.raises(DatabaseError) as exc:
        department_batch_import(actor=data_provider, source="hrss", content=content)
    assert len(calls) >= 2
    assert "SQLSTATE 22012" in str(exc.value) and exc.value.__cause__ is None  # no row data in the report
    assert (ImportBatch.objects.count(), DepartmentRecord.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action="registry.department_batch_imported").exists()
    monkeypatch.setattr(loading.ChunkLoader, "_load", real_load)  # the connection is usable again
    assert department_batch_import(actor=data_provider, source="hrss", content=content).loaded_rows == 12


def test_a_batch_whose_records_another_transaction_commits_meanwhile_is_loaded_again_skipping_them(
        data_provider, known, small_chunks, monkeypatch):
    """The insert skips records by NOT EXISTS, which cannot see rows another transaction commits while the
    batch loads; the insert then fails on the fingerprint constraint and the whole batch is loaded again
    with ON CONFLICT DO NOTHING. Simulated by a first statement without its NOT EXISTS."""
    _, number = known
    lines = [f"{number},,income,2023-{m:02d}-01,2023-{m:02d}-28,{m}," for m in range(1, 8)]
    department_batch_import(actor=data_provider, source="hrss", content=_csv(*lines[:4]))
    real_sql, modes = loading.load_sql, []

    def blind_to_committed_rows(*, on_conflict):
        modes.append(on_conflict)
        return real_sql(on_conflict=on_conflict).replace(loading.SKIP_COMMITTED, "")

    monkeypatch.setattr(loading, "load_sql", blind_to_committed_rows)
    batch = department_batch_import(actor=data_provider, source="hrss", content=_csv(*lines))
    assert modes == [False, True]
    assert (batch.status, batch.loaded_rows, batch.duplicate_rows) == (BatchStatus.DONE, 3, 4)
    assert (ImportBatch.objects.count(), DepartmentRecord.objects.count()) == (2, 7)
    assert AuditEvent.objects.filter(action="registry.department_batch_imported").count() == 2


def test_the_gil_switch_interval_is_lowered_while_a_batch_loads_and_restored_after(data_provider, known, monkeypatch):
    import sys

    _, number = known
    seen = []
    real_load = loading.ChunkLoader._load

    def note_the_interval(self, cursor, payload):
        seen.append(sys.getswitchinterval())
        return real_load(self, cursor, payload)

    monkeypatch.setattr(loading.ChunkLoader, "_load", note_the_interval)
    before = sys.getswitchinterval()
    department_batch_import(actor=data_provider, source="hrss",
                            content=_csv(f"{number},,income,2019-01-01,2019-01-31,1,"))
    assert seen == [min(before, loading.GIL_SWITCH_INTERVAL)]
    assert sys.getswitchinterval() == before


def test_a_broken_csv_line_after_loaded_chunks_refuses_the_whole_file(data_provider, known, small_chunks):
    import csv

    _, number = known
    good = [f"{number},,income,2021-{m:02d}-01,2021-{m:02d}-28,{m}," for m in range(1, 10)]
    limit = csv.field_size_limit(100)  # a field above the csv module's limit: the file breaks at line 11
    try:
        with pytest.raises(ValidationError) as exc:
            department_batch_import(actor=data_provider, source="hrss",
                                    content=_csv(*good, f"{number},,income,2021-10-01,2021-10-31,1,{'x' * 200}"))
    finally:
        csv.field_size_limit(limit)
    assert "第 11 行" in exc.value.messages[0]
    assert (ImportBatch.objects.count(), DepartmentRecord.objects.count()) == (0, 0)


def test_attributes_with_backslashes_quotes_and_newlines_survive_the_copy(data_provider, known):
    _, number = known
    attributes = {"备注": 'a\\b "c"\nd\te', "level": 2}
    batch = department_batch_import(actor=data_provider, source="hrss", channel="api", records=[
        {"id_number": number, "kind": "employment", "period_start": "2024-01-01", "period_end": "2024-12-31",
         "attributes": attributes},
        {"id_number": number, "kind": "employment", "period_start": "2024-01-01", "period_end": "2024-12-31",
         "attributes": {"bad": "nul\x00"}},
        {"id_number": number, "kind": "employment", "period_start": "2024-01-01", "period_end": "2024-12-31",
         "attributes": json.loads('{"bad": "\\ud800"}')},   # a lone surrogate: valid JSON, not UTF-8
    ])
    assert (batch.loaded_rows, [e["line"] for e in batch.errors]) == (1, [2, 3])
    assert "无法保存" in batch.errors[0]["reason"] and "无法保存" in batch.errors[1]["reason"]
    assert DepartmentRecord.objects.get(batch=batch).attributes == attributes


def test_an_import_marks_its_persons_dirty_for_the_engine(data_provider, known, small_chunks):
    from civilaffairs.entitlements.models import DirtySubject

    person, number = known
    DirtySubject.objects.all().delete()
    department_batch_import(actor=data_provider, source="hrss", content=_csv(
        *(f"{number},,income,2020-{m:02d}-01,2020-{m:02d}-28,{m}," for m in range(1, 8))))
    # once, whatever the number of chunk statements; the engine's batch takes in the household
    assert list(DirtySubject.objects.values_list("subject_type", "subject_id", "reason")) == [
        ("person", person.pk, "facts")]


def test_repeated_values_are_validated_once_with_the_same_result(known):
    _, number = known
    cleaner = rows.RowCleaner(today=dt.date(2025, 1, 1))
    first = cleaner.clean(number, "收入", "2024/01/01", "20240131", "1,234.5", '{"b": 1, "a": "二"}')
    again = cleaner.clean(number, "收入", "2024/01/01", "20240131", "1,234.5", '{"b": 1, "a": "二"}')
    assert first == again == (id_digest(number), "income", "2024-01-01", "2024-01-31", "1234.50",
                              '{"a":"二","b":1}')
    with pytest.raises(rows.RowError) as exc:
        cleaner.clean(number, "income", "2024-02-01", "2024-01-31", "1", "")
    assert exc.value.field == "period_end"


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.one_of(st.from_regex(r"\A[0-9]{0,14}(\.[0-9]{0,3})?\Z"), st.text(max_size=16)))
def test_the_fast_amount_path_gives_the_same_text_or_error_as_the_rule(text):
    cleaner = rows.RowCleaner(today=dt.date(2025, 1, 1))
    try:
        expected = rows.amount_text(text, "income")
    except rows.RowError as exc:
        expected = ("error", exc.reason)
    try:
        got = cleaner.clean("11010519491231002X", "income", "2024-01-01", "2024-01-31", text, "")[4]
    except rows.RowError as exc:
        got = ("error", exc.reason)
    assert got == expected


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.one_of(st.from_regex(r"\A[0-9]{0,14}(\.[0-9]{0,3})?\Z"), st.text(max_size=16)),
       st.sampled_from(["11010519491231002X", "110105194912310021", "1101051949123", ""]))
def test_a_remembered_kind_period_and_attributes_still_judge_each_id_number_and_amount(text, number):
    """A cleaner remembers a row's accepted kind, dates and attributes as one: the ID number and the amount
    of every later row with the same texts are still judged, as a fresh cleaner judges them."""
    def judged(cleaner):
        try:
            return cleaner.clean(number, "income", "2024-01-01", "2024-01-31", text, '{"单位": "甲"}')
        except rows.RowError as exc:
            return ("error", exc.field, exc.reason)

    warm = rows.RowCleaner(today=dt.date(2025, 1, 1))
    warm.clean("11010519491231002X", "income", "2024-01-01", "2024-01-31", "1", '{"单位": "甲"}')
    assert judged(warm) == judged(rows.RowCleaner(today=dt.date(2025, 1, 1)))


def test_a_remembered_row_shape_of_a_kind_without_amount_still_needs_one_for_a_kind_with_one(known):
    _, number = known
    cleaner = rows.RowCleaner(today=dt.date(2025, 1, 1))
    assert cleaner.clean(number, "employment", "2024-01-01", "2024-01-31", "", "")[4] == ""
    with pytest.raises(rows.RowError) as exc:
        cleaner.clean(number, "income", "2024-01-01", "2024-01-31", "", "")
    assert exc.value.field == "amount"


def test_json_records_with_objects_and_lists_are_judged_like_any_row(data_provider, known):
    _, number = known
    record = {"id_number": number, "kind": "income", "period_start": "2024-01-01", "period_end": "2024-01-31",
              "amount": 10}
    batch = department_batch_import(actor=data_provider, source="hrss", channel="api", records=[
        {**record, "attributes": {"单位": "甲"}}, {**record, "attributes": {"单位": "甲"}, "amount": 11},
        {**record, "kind": ["income"], "attributes": "{}"}, {**record, "period_start": ["2024-01-01"]}])
    assert (batch.loaded_rows, batch.superseded_rows, batch.error_rows) == (2, 1, 2)
    assert [e["field"] for e in batch.errors] == ["kind", "period_start"]


def test_the_import_loop_stages_what_the_row_functions_give(known):
    """``services._clean_and_stage`` inlines the fingerprint, the fact identity and the COPY line: the same
    text as ``rows.fingerprint``, ``schema.natural_key`` and ``loading.stage_line``, a backslash escaped."""
    from civilaffairs.registry.facts import schema
    from civilaffairs.registry.imports import loading, services
    from civilaffairs.registry.imports.reading import file_rows

    _, number = known
    content = _csv(f"{number},,income,1999-12-01,1999-12-31,1000.5,\"{{\"\"单位\"\": \"\"甲\\\\乙\"\"}}\"",
                   f"{number},,employment,2024-01-01,2024-01-31,,",
                   f"{number},,medical_expense,2024-01-05,2024-01-05,7,\"{{\"\"票据号\"\": \"\"B1\"\"}}\"")
    staged = []

    class Loader:
        def put(self, lines):
            staged.extend(lines)

    services._clean_and_stage(file_rows(content, "x.csv"), source="hrss", loader=Loader(), errors=[])
    cleaner = rows.RowCleaner(today=dt.date.today())
    expected = []
    for line, values in file_rows(content, "x.csv"):
        digest, kind, start, end, amount, attributes = cleaner.clean(*values)
        key = schema.natural_key(source="hrss", kind=kind, id_digest=digest, period_start=start,
                                 attributes=json.loads(attributes))
        expected.append(loading.stage_line(line, digest, kind, start, end, amount, attributes,
                                           rows.fingerprint("hrss", kind, digest, start, end, amount, attributes), key))
    assert staged == expected and "\\\\" in staged[0]


def _id_variants():
    """ID numbers near the rules: valid ones, a wrong check digit, impossible, future or too early birth dates,
    a lower-case x, spaces, full-width digits, other lengths."""
    body = st.builds(lambda region, y, m, d, seq: f"{region}{y:04d}{m:02d}{d:02d}{seq:03d}",
                     st.sampled_from(["110105", "330203", "440305"]), st.integers(1870, 2030),
                     st.integers(0, 13), st.integers(0, 32), st.integers(0, 999))
    valid = body.map(lambda b: b + check_digit(b))
    return st.one_of(
        valid,
        st.tuples(body, st.sampled_from("0123456789Xx")).map("".join),
        valid.map(lambda n: n.lower()),
        valid.map(lambda n: f" {n[:6]} {n[6:]} "),
        valid.map(lambda n: n.translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
        st.from_regex(r"\A[0-9X]{16,19}\Z"),
        st.text(max_size=20),
    )


@hypothesis_settings(max_examples=600, deadline=None)
@given(_id_variants())
def test_the_fast_id_number_path_gives_the_same_digest_or_error_as_the_rule(text):
    today = dt.date(2025, 1, 1)
    try:
        expected = blind_index(rows._clean_id(text, today), purpose="id")
    except rows.RowError as exc:
        expected = ("error", exc.field, exc.reason)
    try:
        got = rows.RowCleaner(today=today).clean(text, "income", "2024-01-01", "2024-01-31", "1", "")[0]
    except rows.RowError as exc:
        got = ("error", exc.field, exc.reason)
    assert got == expected


def test_the_bulk_blind_index_is_the_blind_index():
    digest = blind_indexer("id")
    for value in ("11010519491231002X", "330203198001011234", "", "中文"):
        assert digest(value) == blind_index(value, purpose="id")


def test_records_of_a_person_registered_later_are_linked_when_the_person_is_created(data_provider):
    from civilaffairs.registry.services import person_create

    number = f.id_number(region6="330206")
    department_batch_import(actor=data_provider, source="hrss", content=_csv(
        f"{number},,income,2024-01-01,2024-01-31,100,", f"{number},,income,2024-02-01,2024-02-29,100,"))
    assert DepartmentRecord.objects.filter(person__isnull=True).count() == 2
    person = person_create(actor=None, name="后登记", id_number=number)
    assert DepartmentRecord.objects.filter(person=person).count() == 2
    assert AuditEvent.objects.get(action="registry.person_created").after["department_records_linked"] == 2
