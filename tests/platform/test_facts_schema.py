"""Department fact kinds: canonical values from what departments send, identities, windows."""
import datetime as dt
import uuid

import pytest

from civilaffairs.registry.facts import schema
from civilaffairs.registry.facts.windows import window
from civilaffairs.registry.models import DepartmentRecord, FactStatus, ImportBatch, RecordKind


@pytest.mark.parametrize("raw, grade", [("二级", 2), ("2", 2), (2, 2), ("一级", 1), ("4级", 4), (4.0, 4)])
def test_disability_grade_labels_become_integers(raw, grade):
    assert schema.canonical_attributes("disability", {"等级": raw})["grade"] == grade


@pytest.mark.parametrize("raw", ["0", "五级", "5", "二", "abc", True, 2.5])
def test_disability_grade_outside_1_to_4_is_rejected(raw):
    if raw == "二":
        assert schema.canonical_attributes("disability", {"grade": raw})["grade"] == 2
        return
    with pytest.raises(schema.AttributeError_) as exc:
        schema.canonical_attributes("disability", {"grade": raw})
    assert "残疾等级" in exc.value.reason


def test_missing_required_attribute_is_rejected():
    with pytest.raises(schema.AttributeError_, match="必须填写属性“残疾等级”"):
        schema.canonical_attributes("disability", {"category": "肢体"})


@pytest.mark.parametrize("raw, value", [("是", True), ("否", False), ("true", True), ("false", False), ("FALSE", False),
                                        (True, True), (0, False), ("1", True), ("no", False)])
def test_yes_no_labels(raw, value):
    assert schema.canonical_attributes("vehicle", {"是否豁免": raw}) == {"exempt": value}


def test_yes_no_garbage_is_rejected_and_false_is_never_exempt():
    with pytest.raises(schema.AttributeError_):
        schema.canonical_attributes("vehicle", {"exempt": "maybe"})
    assert schema.canonical_attributes("vehicle", {"exempt": "false"})["exempt"] is False


def test_choices_accept_label_or_code_and_undeclared_attributes_are_kept():
    assert schema.canonical_attributes("custody", {"类型": "强制隔离戒毒", "备注": "x"}) == {
        "custody_kind": "drug_rehab", "备注": "x"}
    assert schema.canonical_attributes("custody", {"custody_kind": "prison"})["custody_kind"] == "prison"
    with pytest.raises(schema.AttributeError_, match="服刑"):
        schema.canonical_attributes("custody", {"custody_kind": "居家"})


def test_two_spellings_that_disagree_are_rejected():
    with pytest.raises(schema.AttributeError_, match="两个不同的值"):
        schema.canonical_attributes("disability", {"grade": 1, "等级": "二级"})


def test_date_attribute_bounds():
    assert schema.canonical_attributes("missing", {"报案日期": "2024/03/05"}) == {"police_report_on": "2024-03-05"}
    with pytest.raises(schema.AttributeError_):
        schema.canonical_attributes("missing", {"police_report_on": "9999-01-01"})


def test_every_kind_declares_a_schema_and_help():
    assert set(schema.SCHEMAS) == set(RecordKind.values)
    rows = {r.kind: r for r in schema.import_help()}
    assert rows["disability"].attributes[0]["allowed"] == "1–4"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(RecordKind.values))
def test_database_identity_equals_the_python_twin(kind):
    batch = ImportBatch.objects.create(source="hrss", channel="api", content_sha256="x")
    keys = schema.SCHEMAS[kind].key_attributes
    attributes = {keys[0]: "K-1"} if keys else {"other": 1}
    start = dt.date(2024, 2, 29)
    record = DepartmentRecord.objects.create(id_digest="d" * 64, source="hrss", kind=kind, period_start=start,
                                             period_end=start, attributes=attributes, batch=batch,
                                             fingerprint=uuid.uuid4())
    record.refresh_from_db()
    assert record.status == FactStatus.CURRENT
    assert record.natural_key == uuid.UUID(schema.natural_key(
        source="hrss", kind=kind, id_digest="d" * 64, period_start=start, attributes=attributes))


@pytest.mark.parametrize("as_of, start, end", [
    (dt.date(2024, 7, 31), dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
    (dt.date(2024, 7, 1), dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
    (dt.date(2024, 1, 15), dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    (dt.date(2024, 3, 1), dt.date(2023, 3, 1), dt.date(2024, 2, 29)),
])
def test_income_window_is_twelve_whole_months_before_the_check_month(as_of, start, end):
    w = window(as_of)
    assert (w.income_start, w.income_end) == (start, end)
    assert len(w.months) == 12 and w.months[0] == start
