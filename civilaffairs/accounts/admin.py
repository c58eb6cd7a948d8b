"""Admin for users and role assignments.

Plain user fields (name, flags, password) use Django's UserAdmin. Role grants go
through ``role_assign``; revoking has no service yet, so the admin action writes
its own audit event.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.admin import ServiceAdminMixin, ServiceModelForm

from .models import RoleAssignment, User, UserKind
from .roles import Role
from .services import role_assign, role_revoke

STAFF_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value != Role.RESIDENT]


def _check_kind_and_person(form: forms.ModelForm, data: dict) -> None:
    kind = data.get("kind", getattr(form.instance, "kind", UserKind.STAFF))
    person = data.get("person", getattr(form.instance, "person", None))
    if kind == UserKind.RESIDENT and person is None:
        form.add_error("person", _("居民账号必须关联一位人员。"))


class PlatformUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "display_name"]


class PlatformUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        data = super().clean()
        _check_kind_and_person(self, data)
        return data


class RoleAssignmentInlineForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("角色"), choices=STAFF_ROLE_CHOICES)

    class Meta:
        model = RoleAssignment
        fields = ["role", "region", "organisation"]


class RoleAssignmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        adding = any(f.has_changed() for f in self.extra_forms)
        if adding and self.instance.kind != UserKind.STAFF:
            raise ValidationError(_("只有工作人员账号可以分配角色。"))


class RoleAssignmentInline(admin.TabularInline):
    """Existing assignments are read-only here (revoke them from the role-assignment
    list); new rows are granted through ``role_assign``."""

    model = RoleAssignment
    form = RoleAssignmentInlineForm
    formset = RoleAssignmentFormSet
    fields = ["role", "region", "organisation", "is_active", "created_at"]
    readonly_fields = ["is_active", "created_at"]
    autocomplete_fields = ["region"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PlatformUserChangeForm
    add_form = PlatformUserCreationForm
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "kind", "roles", "is_staff", "is_superuser", "is_active",
                    "last_login"]
    list_filter = ["kind", "is_staff", "is_superuser", "is_active", "assignments__role"]
    search_fields = ["username", "display_name"]
    raw_id_fields = ["person"]
    show_full_result_count = False  # resident accounts may number in the hundreds of thousands
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["display_name", "kind", "person", "email", "large_text"]}),
        (_("权限"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "display_name", "usable_password", "password1",
                                                "password2"]}),
    ]

    @admin.display(description=_("角色"))
    def roles(self, obj):
        return "、".join(sorted({a.get_role_display() for a in obj.assignments.all() if a.is_active})) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assignments")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        for row in formset.extra_forms:
            if row.has_changed():
                data = row.cleaned_data
                role_assign(actor=request.user, user=form.instance, role=data["role"],
                            region_code=data["region"].code, organisation=data.get("organisation", ""))
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RoleAssignmentAddForm(ServiceModelForm):
    role = forms.ChoiceField(label=_("角色"), choices=STAFF_ROLE_CHOICES)

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "region", "organisation"]

    def perform(self, data):
        return role_assign(actor=self.actor, user=data["user"], role=data["role"], region_code=data["region"].code,
                           organisation=data.get("organisation", ""))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RoleAssignmentAddForm
    list_display = ["user", "role", "region", "organisation", "is_active", "created_at"]
    list_filter = ["role", "is_active", "region__level"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "user__display_name", "region__name", "=region__code", "organisation"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["region"]
    date_hierarchy = "created_at"
    actions = ["revoke", "reinstate"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "region", "organisation", "is_active", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else ["user", "role", "region", "organisation"]

    def has_change_permission(self, request, obj=None):
        # Grants are history: revoke or reinstate with the list actions instead of editing.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("停用所选角色"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for assignment_id in queryset.filter(is_active=True).values_list("pk", flat=True):
            role_revoke(actor=request.user, assignment_id=assignment_id)
            count += 1
        self.message_user(request, _("已停用 %(n)d 个角色。") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("重新启用所选角色"), permissions=["change"])
    def reinstate(self, request, queryset):
        count = 0
        for assignment in queryset.filter(is_active=False).select_related("user"):
            try:
                role_assign(actor=request.user, user=assignment.user, role=assignment.role,
                            region_code=assignment.region_id, organisation=assignment.organisation)
            except ValidationError as exc:
                self.message_user(request, f"{assignment}: {'；'.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, _("已启用 %(n)d 个角色。") % {"n": count}, messages.SUCCESS)
