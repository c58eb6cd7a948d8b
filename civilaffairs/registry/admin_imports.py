"""Admin for department-data import batches and records, with the upload view.

Both models are read-only here: batches are written only by
``imports.department_batch_import`` (called from the upload view), records only
by the batches. Records show the person's masked ID number, never the plain one.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset, user_can
from civilaffairs.lib.idnumber import is_valid_id_number

from .facts.schema import import_help
from .imports import department_batch_import
from .models import BatchStatus, Department, DepartmentRecord, FactStatus, ImportBatch, Person
from .selectors import id_digest

__all__ = ["ImportBatchAdmin", "DepartmentRecordAdmin"]

ERRORS_SHOWN = 1000


def can_import(user) -> bool:
    return user.is_active and (user.is_superuser or user_can(user, Capability.IMPORT_DEPARTMENT_DATA))


class BatchUploadForm(forms.Form):
    source = forms.ChoiceField(label=_("来源部门"), choices=Department.choices)
    file = forms.FileField(label=_("数据文件"),
                           help_text=_("CSV（UTF-8 或 GB18030）或 Excel .xlsx；首行为表头：身份证号、姓名（可选）、类别、"
                                       "期间起、期间止、金额、属性（JSON，可选）。"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.DEPARTMENT_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(_("文件过大（%(size).1f MB），单个批次不能超过 %(limit).1f MB，请拆分后分批上传。")
                                  % {"size": upload.size / 1048576, "limit": limit / 1048576})
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "action", "source", "channel", "file_name", "status_badge", "total_rows", "loaded_rows",
                    "duplicate_rows", "superseded_rows", "revoked_rows", "error_rows", "unmatched_rows",
                    "submitted_by", "created_at")
    list_filter = ("source", "action", "channel", "status")
    list_select_related = ("submitted_by",)
    search_fields = ("file_name", "content_sha256")
    date_hierarchy = "created_at"
    change_list_template = "admin/registry/importbatch/change_list.html"
    fields = ("action", "source", "channel", "file_name", "status", "submitted_by", "created_at", "finished_at",
              "total_rows", "loaded_rows", "duplicate_rows", "superseded_rows", "revoked_rows", "error_rows",
              "unmatched_rows", "unmatched_list",
              "content_sha256", "records_link", "error_table")
    readonly_fields = fields

    # --- Read-only: batches are written by the import service only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or can_import(request.user)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or can_import(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or super().has_view_permission(request):
            return qs
        return qs.filter(submitted_by=request.user)  # a data provider sees their own deliveries

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj):
        # A class, not a style attribute: the Content-Security-Policy blocks inline styles.
        colour = {BatchStatus.DONE: "ok", BatchStatus.DONE_WITH_ERRORS: "warn",
                  BatchStatus.FAILED: "bad"}.get(obj.status, "plain")
        return format_html('<strong class="status-{}">{}</strong>', colour, obj.get_status_display())

    @admin.display(description=_("导入记录"))
    def records_link(self, obj):
        url = reverse("admin:registry_departmentrecord_changelist") + f"?batch__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("查看本批次的 %(n)d 条记录") % {"n": obj.loaded_rows})

    @admin.display(description=_("未匹配人员的行号"))
    def unmatched_list(self, obj):
        lines = obj.unmatched_lines or []
        if not lines:
            return _("无")
        text = "、".join(str(n) for n in lines)
        if obj.unmatched_rows > len(lines):
            text += _("……（仅列出前 %(shown)d 行，共 %(total)d 行）") % {"shown": len(lines), "total": obj.unmatched_rows}
        return text

    @admin.display(description=_("错误明细"))
    def error_table(self, obj):
        errors = obj.errors or []
        if not errors:
            return _("无")
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.get("line", ""), e.get("field", ""), e.get("reason", "")) for e in errors[:ERRORS_SHOWN]),
        )
        more = ""
        rest = obj.errors_not_listed + max(0, len(errors) - ERRORS_SHOWN)
        if rest:
            more = format_html("<p>{}</p>", _("仅列出前 %(shown)d 条，另有 %(rest)d 行有误未列出（共 %(total)d 行有误）。")
                               % {"shown": min(len(errors), ERRORS_SHOWN), "rest": rest, "total": obj.error_rows})
        return format_html(
            '<table class="import-errors"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>{}",
            _("行号"), _("字段"), _("原因"), rows, more)

    # --- Upload view
    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="registry_importbatch_upload")
        return [upload, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": can_import(request.user)}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        if not can_import(request.user):
            raise PermissionDenied
        form = BatchUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = department_batch_import(actor=request.user, source=form.cleaned_data["source"],
                                                channel="file", file_name=upload.name, content=upload)
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                self._report(request, batch)
                return redirect("admin:registry_importbatch_change", batch.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("上传部门数据"),
            "form": form,
            "max_mb": settings.DEPARTMENT_IMPORT_MAX_BYTES / 1048576,
            "kinds": import_help(),
        }
        return TemplateResponse(request, "admin/registry/importbatch/upload.html", context)

    def _report(self, request, batch: ImportBatch) -> None:
        summary = _("批次 #%(id)d：共 %(total)d 行，导入 %(loaded)d 行（其中更正 %(sup)d 条原记录），重复跳过 %(dup)d 行，"
                    "错误 %(err)d 行。") % {
            "id": batch.pk, "total": batch.total_rows, "loaded": batch.loaded_rows, "sup": batch.superseded_rows,
            "dup": batch.duplicate_rows, "err": batch.error_rows}
        level = {BatchStatus.DONE: messages.SUCCESS, BatchStatus.DONE_WITH_ERRORS: messages.WARNING}.get(
            batch.status, messages.ERROR)
        self.message_user(request, summary, level)
        if batch.unmatched_rows:
            self.message_user(request, _("有 %(n)d 行的身份证号码未匹配到登记人员：这些记录已保存，但未关联到人员。")
                              % {"n": batch.unmatched_rows}, messages.WARNING)


@admin.register(DepartmentRecord)
class DepartmentRecordAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "kind", "person_masked", "period_start", "period_end", "amount", "fact_status",
                    "batch", "created_at")
    list_filter = ("status", "source", "kind")
    list_select_related = ("person", "batch")
    search_fields = ("=batch__id",)
    search_help_text = _("输入批次号，或完整身份证号（按摘要查找，不保存明文）。")
    fields = ("source", "kind", "person_masked", "period_start", "period_end", "amount", "attributes", "fact_status",
              "superseded_by", "ended_at", "batch", "created_at")
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or user_can(request.user, Capability.VIEW_DEPARTMENT_DATA)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return scope_queryset(qs, request.user, capability=Capability.VIEW_DEPARTMENT_DATA)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit() and len(term) <= 18 and not is_valid_id_number(term):
            return queryset.filter(batch_id=int(term)), False
        if is_valid_id_number(term):
            # A linked record is found through its person; only unlinked ones are indexed by digest.
            digest = id_digest(term)
            match = Q(person__isnull=True, id_digest=digest)
            person_id = Person.objects.filter(id_digest=digest).values_list("pk", flat=True).first()
            if person_id is not None:
                match |= Q(person_id=person_id)
            return queryset.filter(match), False
        return queryset.none(), False

    @admin.display(description=_("状态"), ordering="status")
    def fact_status(self, obj):
        # Superseded and revoked facts are history: shown, struck through, never counted.
        if obj.status == FactStatus.CURRENT:
            return obj.get_status_display()
        return format_html('<del class="fact-{}">{}</del>', obj.status, obj.get_status_display())

    @admin.display(description=_("身份证号"))
    def person_masked(self, obj):
        return obj.person.id_number_masked if obj.person_id else _("（未匹配到登记人员）")
