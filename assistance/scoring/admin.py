"""Admin: city administrators edit draft model versions (published ones are read
only), dry-run and publish them (re-scoring runs are the proactive engine's: its admin pages)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from civilaffairs.lib.tasks import enqueue_on_commit

from . import services
from .models import Lead, ModelStatus, ScoringModel


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    list_display = ("version", "name", "status", "published_at", "dry_run_at")
    list_filter = ("status",)
    readonly_fields = ("status", "published_at", "published_by", "dry_run_at", "dry_run_result", "created_by")
    actions = ["copy_as_draft", "dry_run", "publish"]
    fieldsets = (
        (None, {"fields": ("version", "name", "status", "note")}),
        (_("六维权重"), {"fields": ("w_income", "w_expense", "w_assets", "w_health", "w_dependency", "w_employment")}),
        (_("维度规则"), {"fields": ("income_full_ratio", "income_zero_ratio", "expense_full_share", "asset_multiplier",
                                  "severe_points", "chronic_points", "child_age", "elder_age", "recent_days",
                                  "emergency_medical_amount", "development_max_ratio", "dibian_ratio")}),
        (_("三色与线索"), {"fields": ("red_threshold", "yellow_threshold", "lead_cooldown_days", "review_lead_days")}),
        (_("发布与试算"), {"fields": ("published_at", "published_by", "dry_run_at", "dry_run_result", "created_by")}),
    )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != ModelStatus.DRAFT:
            return False  # frozen: score rows point at it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.status == ModelStatus.DRAFT and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        try:
            services.scoring_model_save_draft(actor=request.user, model=obj, changed=list(form.changed_data))
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, "; ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)

    @admin.action(description=_("复制为新草稿"))
    def copy_as_draft(self, request, queryset):
        for model in queryset:
            draft = services.scoring_model_draft_create(actor=request.user, base=model)
            self.message_user(request, _("已创建草稿 v%(v)s") % {"v": draft.version})

    @admin.action(description=_("试算（后台运行，完成后查看“试算结果”）"))
    def dry_run(self, request, queryset):
        from .tasks import dry_run

        for model in queryset:
            enqueue_on_commit(dry_run, model.pk)
        self.message_user(request, _("试算已提交。"))

    @admin.action(description=_("发布所选草稿（将触发全量重算）"))
    def publish(self, request, queryset):
        for model in queryset:
            try:
                services.scoring_model_publish(actor=request.user, model_id=model.pk)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, "; ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            else:
                self.message_user(request, _("v%(v)s 已发布，全量重算已排队。") % {"v": model.version})


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("id", "household", "kind", "status", "colour", "difficulty_index", "model_version",
                    "raised_at", "due_at", "outcome")
    list_filter = ("kind", "status", "outcome", "model_version")
    raw_id_fields = ("household", "work_item")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
