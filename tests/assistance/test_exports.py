"""Excel exports: permissioned, masked, capped, audited."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from assistance import exports
from assistance import services as svc
from assistance.exports import applications_export, benefits_export
from assistance.filters import ApplicationFilterSet
from assistance.models import Application, Benefit
from assistance.selectors import application_list, benefit_list
from civilaffairs.audit.models import AuditEvent


def rows_of(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def other_application(other_household, other_resident):
    return svc.application_create(actor=other_resident, household=other_household, applicant=other_household.head,
                                  programmes=["dibao"], reason="困难")


def test_a_district_approver_exports_the_filtered_list_with_masked_ids(draft, district_approver):
    qs = ApplicationFilterSet({"q": "王小明"}, queryset=application_list(user=district_approver)).qs
    rows = rows_of(applications_export(actor=district_approver, queryset=qs))
    assert rows[0][:4] == ("申请编号", "户主姓名", "申请人", "申请人身份证号")
    assert len(rows) == 2
    number, head, applicant, id_masked = rows[1][:4]
    assert number == draft.number and head == "王小明"
    assert id_masked == draft.applicant.id_number_masked and "*" in id_masked
    assert draft.applicant.reveal_id_number() not in str(rows)
    event = AuditEvent.objects.get(action="assistance.applications_exported")
    assert event.actor == district_approver and event.after["rows"] == 1
    # the filter as run (the name search resolves to the matching households)
    assert f"household_id\" IN ({draft.household_id})" in event.after["filter"]
    assert "LIKE '330203%'" in event.after["filter"]


def test_a_township_officer_without_the_export_right_is_refused(draft, township_officer):
    with pytest.raises(PermissionDenied):
        applications_export(actor=township_officer, queryset=application_list(user=township_officer))
    assert not AuditEvent.objects.filter(action="assistance.applications_exported").exists()


def test_rows_outside_the_actors_export_jurisdiction_never_leave(draft, other_application, district_approver):
    # even if the caller hands over an unscoped queryset
    rows = rows_of(applications_export(actor=district_approver, queryset=Application.objects.all()))
    assert [r[0] for r in rows[1:]] == [draft.number]


def test_an_export_over_the_cap_is_refused_with_a_clear_message(draft, district_approver, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 0)
    with pytest.raises(ValidationError) as exc:
        applications_export(actor=district_approver, queryset=application_list(user=district_approver))
    assert "超过单次导出上限" in str(exc.value)


def test_benefits_export_in_chinese_with_amounts(home_household, other_household, district_approver):
    Benefit.objects.create(household=home_household, programme="dibao", monthly_amount=Decimal("1905.00"),
                           members_covered=3, start_date=dt.date(2026, 1, 1))
    Benefit.objects.create(household=other_household, programme="dibao", monthly_amount=Decimal("500.00"),
                           members_covered=1, start_date=dt.date(2026, 1, 1))
    rows = rows_of(benefits_export(actor=district_approver, queryset=benefit_list(user=district_approver)))
    assert rows[0][0] == "家庭编号" and rows[0][7] == "月救助金额（元）"
    assert len(rows) == 2
    assert rows[1][1] == "王小明" and rows[1][5] == "最低生活保障（低保）"
    assert Decimal(str(rows[1][7])) == Decimal("1905")
    assert home_household.head.reveal_id_number() not in str(rows)
    assert AuditEvent.objects.get(action="assistance.benefits_exported").after["rows"] == 1
