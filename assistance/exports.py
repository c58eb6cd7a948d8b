"""Excel exports of the caseworker lists. Personal data: only for users holding
``export_personal_data`` over the rows, ID numbers masked, row count capped, every export audited."""
from __future__ import annotations

import io

from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset, user_can
from civilaffairs.audit.services import audit_log

from .models import Application, Benefit, Programme

__all__ = ["applications_export", "benefits_export", "EXPORT_MAX_ROWS"]

EXPORT_MAX_ROWS = 100_000
CHUNK = 2_000


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _filter_text(queryset: QuerySet) -> str:
    """The WHERE clause the caller applied, for the audit record (the list's filter, as run)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # ``.none()``
        return ""
    with connection.cursor() as cur:
        sql = cur.mogrify(sql, params).decode()  # values inlined for the reader; nothing is executed
    return sql.partition(" WHERE ")[2].partition(" ORDER BY ")[0][:2000]


def _prepare(*, actor, queryset: QuerySet) -> tuple[QuerySet, int]:
    if not user_can(actor, Capability.EXPORT_PERSONAL_DATA):
        raise PermissionDenied(_("您没有导出个人数据的权限。"))
    # Re-scope to where the actor may export, whatever the caller passed in.
    scoped = scope_queryset(queryset, actor, capability=Capability.EXPORT_PERSONAL_DATA)
    count = scoped.count()
    if count > EXPORT_MAX_ROWS:
        raise ValidationError(_("符合条件的记录有 %(n)s 条，超过单次导出上限 %(max)s 条，请缩小筛选范围后再导出。")
                              % {"n": f"{count:,}", "max": f"{EXPORT_MAX_ROWS:,}"})
    return scoped, count


def _workbook(title: str, header: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _programmes(values: list[str]) -> str:
    return "、".join(str(Programme(p).label) for p in values)


@transaction.atomic
def applications_export(*, actor, queryset: QuerySet[Application]) -> bytes:
    """The applications of ``queryset`` (already filtered by the caller) as .xlsx bytes."""
    scoped, count = _prepare(actor=actor, queryset=queryset)
    rows = (
        [a.number, a.household.head_name, a.applicant.name, a.applicant.id_number_masked, a.community.name,
         a.community_id, _programmes(a.programmes), a.get_channel_display(), a.get_status_display(),
         _("是") if a.emergency else _("否"), _when(a.submitted_at), _when(a.decided_at)]
        for a in scoped.select_related("household", "applicant", "community").order_by("-submitted_at", "-id")
        .iterator(chunk_size=CHUNK)
    )
    data = _workbook(_("救助申请"), [_("申请编号"), _("户主姓名"), _("申请人"), _("申请人身份证号"), _("所属村社"),
                                    _("村社代码"), _("申请项目"), _("申请渠道"), _("状态"), _("急难"), _("提交时间"),
                                    _("审批时间")], rows)
    audit_log(actor=actor, action="assistance.applications_exported", object_type="assistance.application",
              after={"rows": count, "filter": _filter_text(queryset)})
    return data


@transaction.atomic
def benefits_export(*, actor, queryset: QuerySet[Benefit]) -> bytes:
    """The benefits of ``queryset`` as .xlsx bytes."""
    scoped, count = _prepare(actor=actor, queryset=queryset)

    def rows():
        for b in (scoped.select_related("household", "household__head", "household__community")
                  .order_by("household__community_id", "household_id", "id").iterator(chunk_size=CHUNK)):
            head = b.household.head
            yield [b.household_id, b.household.head_name, head.id_number_masked if head else "",
                   b.household.community.name, b.household.community_id, b.get_programme_display(),
                   b.get_status_display(), b.monthly_amount, b.members_covered, b.start_date, b.end_date,
                   b.phaseout_until]

    data = _workbook(_("救助待遇"), [_("家庭编号"), _("户主姓名"), _("户主身份证号"), _("所属村社"), _("村社代码"),
                                    _("救助项目"), _("状态"), _("月救助金额（元）"), _("保障人数"), _("起始日期"),
                                    _("终止日期"), _("渐退期至")], rows())
    audit_log(actor=actor, action="assistance.benefits_exported", object_type="assistance.benefit",
              after={"rows": count, "filter": _filter_text(queryset)})
    return data
