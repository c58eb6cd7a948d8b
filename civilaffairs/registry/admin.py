from django.contrib import admin  # noqa: F401

# Department-data import batches and records have their own admin module (upload view).
from .admin_imports import *  # noqa: F401,F403,E402

# --- Regions, persons, households and policy parameters ------------------------
# Writes that matter go through the registry services. An admin form calls the
# service in ``clean()`` (inside the admin's own transaction), so a domain
# ValidationError lands on the form; ``save_model`` then has nothing left to do.
import datetime as dt  # noqa: E402

from django import forms  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.db import transaction  # noqa: E402
from django.contrib.admin.views.main import SEARCH_VAR  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from civilaffairs.audit.services import audit_log  # noqa: E402
from civilaffairs.lib.idnumber import is_valid_id_number, normalize_id_number  # noqa: E402

from . import services  # noqa: E402
from .models import (  # noqa: E402
    FactStatus, Guardianship, Household, HouseholdMember, Person, PolicyParameter, Region, RegionLevel, Relation,
)
from .parameters import BY_KEY, KEY_CHOICES  # noqa: E402
from .selectors import id_digest, phone_digest  # noqa: E402


def add_service_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form; keys that are not form fields
    become non-field errors instead of crashing ``add_error``."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose write is done by a service in ``clean()``.

    Subclasses implement ``perform(cleaned_data) -> instance``. ``actor`` is set by
    the ModelAdmin (``get_form``). Model validation is the service's job, so
    ``_post_clean`` does not rebuild or re-validate the instance (an unsaved
    parameter row would, for example, 'overlap' the open row the service closes).
    """

    actor = None

    def perform(self, data: dict):
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            with transaction.atomic():
                instance = self.perform(data)
        except ValidationError as exc:
            add_service_error(self, exc)
        else:
            if instance is not None:
                self.instance = instance
        return data

    def _post_clean(self):
        pass


class ServiceAdminMixin:
    """Hands the acting user to a ServiceModelForm; the service already saved."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # modelform_factory made a fresh class for this request
        return form

    def save_model(self, request, obj, form, change):
        if not isinstance(form, ServiceModelForm):
            super().save_model(request, obj, form, change)


class DigestFilter(admin.SimpleListFilter):
    """Lookup by keyed digest of an ID number or phone. ``DigestSearchMixin`` turns
    a search for a full number into this parameter, so the plain number is not
    echoed in every link of the result page (sort headers, filters, pagination)."""

    parameter_name = "id_digest"
    title = _("身份证号")
    lookup = "id_digest"

    def lookups(self, request, model_admin):
        return [(self.value(), _("按完整号码查找"))] if self.value() else []

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class PhoneDigestFilter(DigestFilter):
    parameter_name = "phone_digest"
    title = _("手机号")
    lookup = "phone_digest"


class DigestSearchMixin:
    def changelist_view(self, request, extra_context=None):
        term = request.GET.get(SEARCH_VAR, "").strip()
        params = request.GET.copy()
        if is_valid_id_number(term):
            params["id_digest"] = id_digest(normalize_id_number(term))
        elif term.isdigit() and len(term) == 11 and "phone_digest" in self.digest_params:
            params["phone_digest"] = phone_digest(term)
        else:
            return super().changelist_view(request, extra_context)
        del params[SEARCH_VAR]
        return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")


class DistrictFilter(admin.SimpleListFilter):
    """Filter by district (区县) through a region-code prefix: cheap on big tables."""

    title = _("区县")
    parameter_name = "district"
    field = "community__code"

    def lookups(self, request, model_admin):
        return list(Region.objects.filter(level=RegionLevel.DISTRICT).values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field}__startswith": self.value()})
        return queryset


class RegisteredDistrictFilter(DistrictFilter):
    title = _("户籍地区县")
    field = "registered_region__code"


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    search_help_text = _("输入区划代码（前缀）或名称")
    autocomplete_fields = ["parent"]
    ordering = ["code"]
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(code__startswith=term), False
        return queryset.filter(name__contains=term), False

    def get_readonly_fields(self, request, obj=None):
        # The code is the materialised path everything hangs on: fixed once created.
        return ["code"] if obj else []


class PersonAddForm(ServiceModelForm):
    id_number = forms.CharField(label=_("身份证号"), max_length=18, min_length=18)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)

    class Meta:
        model = Person
        fields = ["name", "registered_region"]

    def perform(self, data):
        region = data.get("registered_region")
        return services.person_create(actor=self.actor, name=data["name"], id_number=data["id_number"],
                                      phone=data.get("phone", ""),
                                      registered_region_code=region.code if region else None)


class PersonChangeForm(ServiceModelForm):
    """Only the phone changes here (through ``person_update_phone``); the plain
    number is never shown, so blank means 'keep'."""

    new_phone = forms.CharField(label=_("新手机号"), max_length=20, required=False,
                                help_text=_("留空则不修改。"))
    clear_phone = forms.BooleanField(label=_("清除手机号"), required=False)

    class Meta:
        model = Person
        fields: list[str] = []

    def perform(self, data):
        if data.get("clear_phone"):
            return services.person_update_phone(actor=self.actor, person=self.instance, phone="")
        if data.get("new_phone"):
            try:
                return services.person_update_phone(actor=self.actor, person=self.instance,
                                                    phone=data["new_phone"])
            except ValidationError as exc:
                # The service names the field "phone"; here it is "new_phone".
                raise ValidationError({"new_phone": exc.messages}) from None
        return None


@admin.register(Person)
class PersonAdmin(DigestSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "id_number_masked", "gender", "birth_date", "phone_masked", "registered_region",
                    "death_date", "created_at"]
    list_filter = ["gender", RegisteredDistrictFilter, DigestFilter, PhoneDigestFilter]
    digest_params = ["id_digest", "phone_digest"]
    list_select_related = ["registered_region"]
    show_full_result_count = False
    search_fields = ["name"]
    search_help_text = _("输入姓名，或完整的身份证号码 / 11位手机号")
    autocomplete_fields = ["registered_region"]
    readonly_fields = ["name", "id_number_masked", "gender", "birth_date", "phone_masked", "registered_region",
                       "death_date", "created_at", "updated_at", "department_facts"]
    actions = None  # no bulk delete on a table of millions
    list_per_page = 50

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PersonChangeForm if obj else PersonAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "id_number", "phone", "registered_region"]})]
        return [
            (_("基本信息"), {"fields": ["name", "id_number_masked", "gender", "birth_date", "registered_region",
                                    "death_date"]}),
            (_("联系方式"), {"fields": ["phone_masked", "new_phone", "clear_phone"]}),
            (_("部门数据"), {"fields": ["department_facts"]}),
            (_("记录"), {"fields": ["created_at", "updated_at"]}),
        ]

    @admin.display(description=_("部门数据"))
    def department_facts(self, obj):
        """Current facts count; corrected and revoked ones are history, listed in the record admin (scoped there)."""
        counts = dict(obj.department_records.values_list("status").annotate(n=Count("id")).order_by())
        url = reverse("admin:registry_departmentrecord_changelist")
        current = counts.get(FactStatus.CURRENT, 0)
        history = counts.get(FactStatus.SUPERSEDED, 0) + counts.get(FactStatus.REVOKED, 0)
        return format_html(
            '<a href="{}?person__id__exact={}&status__exact=current">{}</a>'
            '　<a href="{}?person__id__exact={}">{}</a>',
            url, obj.pk, _("现行 %(n)d 条") % {"n": current},
            url, obj.pk, _("含已更正/已撤销的历史 %(n)d 条") % {"n": history})

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if is_valid_id_number(term):
            return queryset.filter(id_digest=id_digest(normalize_id_number(term))), False
        if term.isdigit() and len(term) == 11:
            return queryset.filter(phone_digest=phone_digest(term)), False
        # ``contains`` (not ``icontains``) so the trigram index on name is used.
        return queryset.filter(name__contains=term), False

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        return not (obj.memberships.exists() or obj.headed_households.exists()
                    or obj.department_records.exists() or hasattr(obj, "account"))

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_log(actor=request.user, action="registry.person_deleted", obj=obj,
                      before={"name": obj.name, "id_number": obj.id_number_masked})
            obj.delete()


class HouseholdMemberInline(admin.TabularInline):
    """Existing members are shown read-only; new rows are added with
    ``household_add_member`` (see ``HouseholdAdmin.save_formset``)."""

    model = HouseholdMember
    fields = ["person", "relation", "joined_on", "left_on", "is_active"]
    raw_id_fields = ["person"]
    readonly_fields = ["joined_on", "left_on", "is_active"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("MemberAddForm", (formset.form,), {"clean": _member_form_clean})
        return formset

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and super().has_add_permission(request, obj)


def _member_form_clean(form):
    """The checks ``household_add_member`` makes, so they show on the row."""
    data = forms.ModelForm.clean(form)
    person, relation = data.get("person"), data.get("relation")
    if relation == Relation.HEAD:
        form.add_error("relation", _("一个家庭只能有一位户主。"))
    if person is not None and HouseholdMember.objects.filter(person=person, is_active=True).exists():
        form.add_error("person", _("%(name)s 已是其他家庭的成员。") % {"name": person.name})
    return data


class MemberDigestFilter(DigestFilter):
    title = _("成员身份证号")

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=HouseholdMember.objects.filter(person__id_digest=self.value(), is_active=True)
                               .values("household_id"))


class HouseholdAddForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["community", "head", "address", "residence_type", "urban_rural"]

    def clean(self):
        data = super().clean()
        head = data.get("head")
        if head is None:
            self.add_error("head", _("请选择户主。"))
        elif HouseholdMember.objects.filter(person=head, is_active=True).exists():
            self.add_error("head", _("%(name)s 已是其他家庭的成员，请先办理迁出。") % {"name": head.name})
        return data


@admin.register(Household)
class HouseholdAdmin(DigestSearchMixin, admin.ModelAdmin):
    list_display = ["id", "head_name", "community", "township", "member_count", "urban_rural",
                    "residence_type", "created_at"]
    list_display_links = ["id", "head_name"]
    list_filter = [DistrictFilter, "urban_rural", "residence_type", MemberDigestFilter]
    digest_params = ["id_digest"]
    list_select_related = ["community", "community__parent"]
    show_full_result_count = False
    search_fields = ["head_name"]
    search_help_text = _("输入户主姓名，或任一成员的完整身份证号码")
    autocomplete_fields = ["community"]
    raw_id_fields = ["head"]
    inlines = [HouseholdMemberInline]
    actions = None
    list_per_page = 50

    @admin.display(description=_("乡镇/街道"))
    def township(self, obj):
        return obj.community.parent

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = HouseholdAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Head and membership change through the household services; community moves
        # are a transfer (迁移), not an edit.
        if obj is None:
            return ["member_count"]
        return ["community", "head", "head_name", "member_count", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["community", "head", "address", "residence_type", "urban_rural"]
        return ["community", "head", "head_name", "address", "residence_type", "urban_rural", "member_count",
                "created_at", "updated_at"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if is_valid_id_number(term):
            ids = HouseholdMember.objects.filter(person__id_digest=id_digest(normalize_id_number(term)),
                                                 is_active=True).values("household_id")
            return queryset.filter(pk__in=ids), False
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return queryset.filter(head_name__contains=term), False

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.household_create(
                actor=request.user, community_code=obj.community_id, head=obj.head, address=obj.address,
                residence_type=obj.residence_type, urban_rural=obj.urban_rural)
            # The admin goes on with ``obj`` (inlines, log entry, redirect): make it the saved row.
            for field in Household._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            return
        changed = {f: getattr(obj, f) for f in form.changed_data if f in services.HOUSEHOLD_EDITABLE}
        if changed:
            services.household_update(actor=request.user, household_id=obj.pk, **changed)

    def save_formset(self, request, form, formset, change):
        if formset.model is not HouseholdMember:
            return super().save_formset(request, form, formset, change)
        for member_form in formset.extra_forms:
            if not member_form.has_changed():
                continue
            data = member_form.cleaned_data
            services.household_add_member(actor=request.user, household=form.instance, person=data["person"],
                                          relation=data["relation"])
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        # Households end through the programmes' processes, never by deleting history.
        return False


class KeyFilter(admin.SimpleListFilter):
    title = _("参数")
    parameter_name = "key"

    def lookups(self, request, model_admin):
        return KEY_CHOICES

    def queryset(self, request, queryset):
        return queryset.filter(key=self.value()) if self.value() else queryset


class InForceFilter(admin.SimpleListFilter):
    title = _("是否现行")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("现行有效")), ("no", _("已失效或未生效"))]

    def queryset(self, request, queryset):
        today = dt.date.today()
        current = (Q(effective_from__lte=today)
                   & (Q(effective_to__isnull=True) | Q(effective_to__gte=today)))
        if self.value() == "yes":
            return queryset.filter(current)
        if self.value() == "no":
            return queryset.exclude(current)
        return queryset


class ParameterAddForm(ServiceModelForm):
    key = forms.ChoiceField(label=_("参数"), choices=KEY_CHOICES)

    class Meta:
        model = PolicyParameter
        fields = ["key", "region", "value", "effective_from", "effective_to", "note"]

    def perform(self, data):
        return services.parameter_set(actor=self.actor, key=data["key"], region_code=data["region"].code,
                                      value=data["value"], effective_from=data["effective_from"],
                                      effective_to=data.get("effective_to"), note=data.get("note", ""))


@admin.register(PolicyParameter)
class PolicyParameterAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """New values are added (``parameter_set`` closes the previous one); rows that
    exist are history and are never rewritten or deleted."""

    form = ParameterAddForm
    list_display = ["key_label", "key", "region", "region_level", "value", "unit", "effective_from",
                    "effective_to", "note", "created_by"]
    list_filter = [KeyFilter, "region__level", InForceFilter]
    list_select_related = ["region", "created_by"]
    search_fields = ["key", "note", "region__name"]
    autocomplete_fields = ["region"]
    date_hierarchy = "effective_from"
    actions = None

    @admin.display(description=_("参数名称"), ordering="key")
    def key_label(self, obj):
        spec = BY_KEY.get(obj.key)
        return spec.label if spec else obj.key

    @admin.display(description=_("单位"))
    def unit(self, obj):
        spec = BY_KEY.get(obj.key)
        return spec.unit if spec else ""

    @admin.display(description=_("区域级别"), ordering="region__level")
    def region_level(self, obj):
        return obj.region.get_level_display()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["key_label", "key", "region", "value", "effective_from", "effective_to", "note", "created_by",
                "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["key", "region", "value", "effective_from", "effective_to", "note"]
        return self.get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin):
    """Read-only: links are registered and ended on the person file (``registry.guardianship``
    services: rights, dates, audit, the engine told)."""

    list_display = ["id", "ward", "guardian", "role", "basis", "is_primary", "since", "until", "status"]
    list_filter = ["status", "role", "basis"]
    list_select_related = ["ward", "guardian"]
    search_fields = ["ward__name", "guardian__name"]
    raw_id_fields = ["ward", "guardian"]
    show_full_result_count = False
    actions = None
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
