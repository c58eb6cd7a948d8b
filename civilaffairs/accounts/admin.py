"""Admin for users, role assignments and organisations.

Plain user fields (name, flags) use Django's UserAdmin; a password set here goes through
``password_set`` (audited). Role grants go through ``role_assign`` / ``role_revoke``. API
tokens are issued, revoked and rotated through their services; a new key is shown once.
Organisations are registered, changed and suspended through ``organisation_*`` services.
"""
from __future__ import annotations

import contextvars

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.admin import ServiceAdminMixin, ServiceModelForm, add_service_error

from .models import ApiToken, Organisation, OrganisationStatus, RoleAssignment, TokenScope, User, UserKind
from .roles import Capability, Role
from .scoping import scope_queryset
from .services import (
    api_token_issue, api_token_revoke, api_token_rotate, organisation_create, organisation_set_status,
    organisation_update, password_set, role_assign, role_revoke,
)

# Django's admin builds the password form without the request; the view sets the actor here.
_password_actor: contextvars.ContextVar = contextvars.ContextVar("password_actor", default=None)

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


class AuditedAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "set password" page, through the audited service."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        password_set(actor=_password_actor.get(), user=self.user, password=password)
        return self.user


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
    autocomplete_fields = ["region", "organisation"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "organisation")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PlatformUserChangeForm
    add_form = PlatformUserCreationForm
    change_password_form = AuditedAdminPasswordChangeForm
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

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        for row in formset.extra_forms:
            if row.has_changed():
                data = row.cleaned_data
                role_assign(actor=request.user, user=form.instance, role=data["role"],
                            region_code=data["region"].code, organisation=data.get("organisation"))
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RoleAssignmentAddForm(ServiceModelForm):
    role = forms.ChoiceField(label=_("角色"), choices=STAFF_ROLE_CHOICES)

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "region", "organisation"]

    def perform(self, data):
        return role_assign(actor=self.actor, user=data["user"], role=data["role"], region_code=data["region"].code,
                           organisation=data.get("organisation"))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RoleAssignmentAddForm
    list_display = ["user", "role", "region", "organisation", "is_active", "created_at"]
    list_filter = ["role", "is_active", "region__level"]
    list_select_related = ["user", "region", "organisation"]
    search_fields = ["user__username", "user__display_name", "region__name", "=region__code", "organisation__name"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["region", "organisation"]
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


# --- organisations ------------------------------------------------------------------------------

class OrganisationForm(ServiceModelForm):
    class Meta:
        model = Organisation
        fields = ["type", "name", "region", "uscc", "grade", "status", "status_reason"]

    def perform(self, data):
        fields = {"type": data["type"], "name": data["name"], "uscc": data["uscc"], "grade": data.get("grade")}
        if self.instance.pk is None:
            org = organisation_create(actor=self.actor, region_code=data["region"].code, **fields)
        else:
            org = organisation_update(actor=self.actor, organisation_id=self.instance.pk, region=data["region"].code,
                                      **fields)
        if data.get("status") and data["status"] != org.status:
            org = organisation_set_status(actor=self.actor, organisation_id=org.pk, status=data["status"],
                                          reason=data.get("status_reason", ""))
        return org


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["name", "type", "region", "uscc", "grade_label", "status", "updated_at"]
    list_filter = ["type", "status", "region__level"]
    list_select_related = ["region"]
    search_fields = ["name", "=uscc", "region__name", "=region__code"]
    autocomplete_fields = ["region"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["suspend", "reactivate"]

    @admin.display(description=_("等级/评级"))
    def grade_label(self, obj):
        return obj.grade_display or "—"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, capability=Capability.VIEW_ORGANISATION)

    def has_delete_permission(self, request, obj=None):
        return False  # staff assignments and programme records point here: suspend or close instead

    @admin.action(description=_("暂停所选机构"), permissions=["change"])
    def suspend(self, request, queryset):
        self._set_status(request, queryset, OrganisationStatus.SUSPENDED, str(_("管理员在后台暂停")))

    @admin.action(description=_("恢复所选机构"), permissions=["change"])
    def reactivate(self, request, queryset):
        self._set_status(request, queryset, OrganisationStatus.ACTIVE, "")

    def _set_status(self, request, queryset, status, reason):
        count = 0
        for org_id in queryset.values_list("pk", flat=True):
            try:
                organisation_set_status(actor=request.user, organisation_id=org_id, status=status, reason=reason)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, "；".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            else:
                count += 1
        self.message_user(request, _("已更新 %(n)d 个机构。") % {"n": count}, messages.SUCCESS)


# --- API tokens ---------------------------------------------------------------------------------

class ApiTokenIssueForm(forms.Form):
    username = forms.CharField(label=_("代表账号（用户名）"), max_length=150,
                               help_text=_("令牌以该账号的身份和辖区调用接口，通常为部门的数据报送账号。"))
    organisation = forms.CharField(label=_("使用单位"), max_length=100, help_text=_("如：市人社局社保中心"))
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)
    scope = forms.ChoiceField(label=_("权限范围"), choices=TokenScope.choices, initial=TokenScope.IMPORT,
                              help_text=_("只读查询：只能读取；部门数据报送：只能提交和查看报送批次；"
                                          "业务接口：该账号在页面上能做的一切。"))
    valid_days = forms.IntegerField(label=_("有效天数"), min_value=1, initial=settings.API_TOKEN_DEFAULT_DAYS)

    def clean_username(self):
        user = User.objects.filter(username=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise ValidationError(_("没有这个用户名的账号。"))
        return user


def _token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return str(_("已吊销"))
    if token.expires_at <= timezone.now():
        return str(_("已过期"))
    return str(_("有效"))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "organisation", "user", "scope", "status", "expires_at", "last_used_at",
                    "created_by"]
    list_filter = ["scope", "revoked_at"]
    list_select_related = ["user", "created_by"]
    search_fields = ["=prefix", "organisation", "user__username"]
    readonly_fields = ["prefix", "user", "organisation", "purpose", "scope", "created_at", "created_by",
                       "expires_at", "revoked_at", "revoked_by", "last_used_at", "replaces"]
    fields = readonly_fields
    actions = ["revoke", "rotate"]

    @admin.display(description=_("状态"))
    def status(self, obj):
        return _token_status(obj)

    def has_change_permission(self, request, obj=None):
        # Tokens are records: revoke or rotate with the list actions, never edit.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def _show_keys(self, request, issued):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "issued": issued,
                   "title": _("令牌已签发")}
        response = TemplateResponse(request, "admin/accounts/apitoken/issued.html", context)
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store"
        return response

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiTokenIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                token, key = api_token_issue(actor=request.user, user=data["username"],
                                             organisation=data["organisation"], scope=data["scope"],
                                             purpose=data["purpose"], valid_days=data["valid_days"])
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return self._show_keys(request, [(token, key)])
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("签发 API 令牌")}
        return TemplateResponse(request, "admin/accounts/apitoken/issue.html", context)

    @admin.action(description=_("吊销所选令牌"), permissions=["add"])
    def revoke(self, request, queryset):
        count = 0
        for token_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            api_token_revoke(actor=request.user, token_id=token_id)
            count += 1
        self.message_user(request, _("已吊销 %(n)d 个令牌。") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("轮换所选令牌（签发新令牌并吊销旧令牌）"), permissions=["add"])
    def rotate(self, request, queryset):
        issued = []
        for token in queryset.order_by("pk"):
            try:
                issued.append(api_token_rotate(actor=request.user, token_id=token.pk))
            except ValidationError as exc:
                self.message_user(request, f"{token}: {'；'.join(exc.messages)}", messages.ERROR)
        return self._show_keys(request, issued) if issued else None
