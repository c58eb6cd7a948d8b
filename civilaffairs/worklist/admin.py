"""Admin for worklist items. Items are raised with ``workitem_raise``; status moves
only through ``workitem_transition`` (the cancel action), never by editing."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.admin import DistrictFilter, ServiceAdminMixin, ServiceModelForm

from .models import OPEN_STATUSES, ItemStatus, WorkItem
from .services import WORKITEM_EDITABLE, workitem_raise, workitem_transition, workitem_update
from .sources import check_raisable

EDITABLE_ON_CHANGE = list(WORKITEM_EDITABLE)


class OverdueFilter(admin.SimpleListFilter):
    title = _("是否超期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已超期")), ("no", _("未超期"))]

    def queryset(self, request, queryset):
        overdue = dict(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class WorkItemRegionDistrictFilter(DistrictFilter):
    field = "region__code"


class WorkItemAddForm(ServiceModelForm):
    class Meta:
        model = WorkItem
        fields = ["kind", "title", "detail", "region", "due_at", "priority", "subject_type", "subject_id", "link"]

    def perform(self, data):
        try:
            check_raisable(data["kind"], data.get("subject_type", ""))
        except ValueError:
            raise ValidationError({"subject_type": _(
                "该对象类型没有登记待办来源，不能在此新建；不关联业务对象的事项请留空。")}) from None
        item, _created = workitem_raise(
            actor=self.actor, kind=data["kind"], title=data["title"], detail=data.get("detail", ""),
            region_code=data["region"].code, due_at=data.get("due_at"), priority=data["priority"],
            subject_type=data.get("subject_type", ""), subject_id=data.get("subject_id", ""),
            link=data.get("link", ""))
        return item


class WorkItemChangeForm(forms.ModelForm):
    class Meta:
        model = WorkItem
        fields = EDITABLE_ON_CHANGE


@admin.register(WorkItem)
class WorkItemAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "region", "due_at", "priority", "status", "overdue", "assignee", "escalated",
                    "created_at"]
    list_filter = ["status", OverdueFilter, "priority", "escalated", "kind", WorkItemRegionDistrictFilter]
    list_select_related = ["region", "assignee"]
    search_fields = ["title", "=subject_id", "=dedupe_key"]
    date_hierarchy = "due_at"
    autocomplete_fields = ["region"]
    raw_id_fields = ["assignee"]
    show_full_result_count = False
    actions = ["cancel_items"]

    @admin.display(description=_("超期"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = WorkItemChangeForm if obj else WorkItemAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return WorkItemAddForm._meta.fields
        return ["kind", "title", "detail", "region", "subject_type", "subject_id", "link", *EDITABLE_ON_CHANGE,
                "status", "outcome", "escalated", "dedupe_key", "created_at", "updated_at", "closed_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = [f for f in self.get_fields(request, obj) if f not in EDITABLE_ON_CHANGE]
        return readonly if obj.is_open else [*readonly, *EDITABLE_ON_CHANGE]

    def save_model(self, request, obj, form, change):
        if not change:
            return  # saved by workitem_raise in the form
        changed = {f: getattr(obj, f) for f in form.changed_data if f in WORKITEM_EDITABLE}
        if changed:
            workitem_update(item_id=obj.pk, actor=request.user, **changed)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("撤销所选待办"), permissions=["change"])
    def cancel_items(self, request, queryset):
        done = 0
        for item_id in queryset.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True):
            try:
                workitem_transition(item_id=item_id, actor=request.user, to_status=ItemStatus.CANCELLED,
                                    outcome=str(_("管理员在后台撤销")))
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"#{item_id}: {'；'.join(getattr(exc, 'messages', [str(exc)]))}",
                                  messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("已撤销 %(n)d 项。") % {"n": done}, messages.SUCCESS)
