"""Admin for social assistance: a read-only window on the casework. Every state change goes
through the services (pages, API, tasks); the only writes here are service calls — a price
subsidy round is added with ``price_subsidy_round_create``. Rolls and payment lines: the platform's
admin (civilaffairs.payments.admin)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.admin import DistrictFilter, ServiceAdminMixin, ServiceModelForm

from .models import (
    Application, ApplicationEvent, ApplicationMember, Benefit, BenefitAdjustment, Decision, HomeVisit, Material, Objection,
    PriceSubsidyRound, Programme, PublicNotice, Review, VerificationReport,
)
from .services import price_subsidy_round_create
from .verification import verify_seal


class ReadOnlyAdminMixin:
    """View-only: records are written by services, sealed or audited, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


# --- Applications -----------------------------------------------------------------------------------

class ApplicationDistrictFilter(DistrictFilter):
    field = "community__code"


class ProgrammeFilter(admin.SimpleListFilter):
    title = _("申请项目")
    parameter_name = "programme"

    def lookups(self, request, model_admin):
        return Programme.choices

    def queryset(self, request, queryset):
        return queryset.filter(programmes__contains=[self.value()]) if self.value() else queryset


class MemberInline(ReadOnlyInline):
    model = ApplicationMember
    fields = ["person", "masked_id", "relation", "declared_monthly_income", "disability_grade", "serious_illness",
              "self_care", "can_work"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.person.id_number_masked


class MaterialInline(ReadOnlyInline):
    model = Material
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_by", "created_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "head_name", "community", "programme_list", "channel", "status", "emergency",
                    "submitted_at", "decided_at"]
    list_filter = ["status", ProgrammeFilter, "channel", "emergency", ApplicationDistrictFilter]
    list_select_related = ["household", "community"]
    search_fields = ["=number", "household__head_name"]
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    exclude = ["draft_data", "precheck"]
    readonly_fields = ["precheck_readable"]
    inlines = [MemberInline, MaterialInline, EventInline]

    @admin.display(description=_("自动预审结果"))
    def precheck_readable(self, obj):
        """The stored pre-check as the lists a person reads, not its JSON."""
        precheck = obj.precheck or {}
        if not precheck:
            return "—"
        verdict = (format_html('<div class="precheck-ok">{}</div>', _("申请内容已齐全"))
                   if precheck.get("complete") else format_html('<div class="precheck-problem">{}</div>',
                                                               _("提交前还需要完善")))
        items = [*precheck.get("problems", []), *precheck.get("hints", [])]
        if precheck.get("disclaimer"):
            items.append(precheck["disclaimer"])
        listed = format_html_join("", "<li>{}</li>", ((item,) for item in items))
        return format_html('{}<ul class="precheck-list">{}</ul>', verdict, listed)

    @admin.display(description=_("户主"), ordering="household__head_name")
    def head_name(self, obj):
        return obj.household.head_name

    @admin.display(description=_("申请项目"))
    def programme_list(self, obj):
        return "、".join(obj.programme_labels())


# --- Casework records (sealed, signed or audited: read-only) ----------------------------------------------

@admin.register(VerificationReport)
class VerificationReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "household", "application", "as_of", "seal_key_id", "created_by", "created_at"]
    list_select_related = ["household", "application", "created_by"]
    search_fields = ["=number", "=application__number", "household__head_name"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ["seal_valid"]

    @admin.display(description=_("签章验证"), boolean=True)
    def seal_valid(self, obj):
        return verify_seal(content=obj.content, digest=obj.digest, signature=obj.seal)


@admin.register(HomeVisit)
class HomeVisitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["application", "visited_at", "visitors", "recommendation", "recorded_by"]
    list_select_related = ["application", "recorded_by"]
    search_fields = ["=application__number", "visitors"]
    date_hierarchy = "visited_at"


class ObjectionInline(ReadOnlyInline):
    model = Objection
    fields = ["received_on", "content", "upheld", "resolution", "resolved_by", "resolved_at", "recorded_by"]
    readonly_fields = fields


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["application", "starts_on", "ends_on", "location", "closed_at"]
    list_select_related = ["application"]
    search_fields = ["=application__number"]
    date_hierarchy = "starts_on"
    inlines = [ObjectionInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["notice", "received_on", "upheld", "resolved_at"]
    list_filter = ["upheld"]
    list_select_related = ["notice"]
    search_fields = ["=notice__application__number"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["application", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["application", "decided_by"]
    search_fields = ["=application__number"]
    date_hierarchy = "decided_at"
    show_full_result_count = False


# --- Benefits, payments, subsidies, reviews ---------------------------------------------------------------

class HouseholdDistrictFilter(DistrictFilter):
    field = "household__community__code"


@admin.register(Benefit)
class BenefitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["household", "programme", "status", "monthly_amount", "members_covered", "start_date",
                    "end_date", "phaseout_until"]
    list_filter = ["programme", "status", HouseholdDistrictFilter]
    list_select_related = ["household"]
    search_fields = ["household__head_name", "=application__number"]
    date_hierarchy = "start_date"
    show_full_result_count = False


class AdjustmentDistrictFilter(DistrictFilter):
    field = "benefit__household__community__code"


@admin.register(BenefitAdjustment)
class BenefitAdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The yearly raise's record, read-only: written only by benefits_recompute_for_parameter."""

    list_display = ["benefit", "effective_month", "old_amount", "new_amount", "arrears_months", "arrears_amount",
                    "parameter", "created_at"]
    list_filter = ["effective_month", AdjustmentDistrictFilter]
    list_select_related = ["benefit__household", "parameter"]
    raw_id_fields = ["benefit", "parameter"]
    show_full_result_count = False


class SubsidyRoundAddForm(ServiceModelForm):
    programmes = forms.MultipleChoiceField(label=_("适用项目"), choices=Programme.choices,
                                           widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = PriceSubsidyRound
        fields = ["name", "month", "amount_per_person", "multiplier", "programmes"]

    def perform(self, data):
        return price_subsidy_round_create(actor=self.actor, name=data["name"], month=data["month"],
                                          amount_per_person=data["amount_per_person"],
                                          multiplier=data["multiplier"], programmes=data["programmes"])


@admin.register(PriceSubsidyRound)
class PriceSubsidyRoundAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "month", "amount_per_person", "multiplier", "programme_list", "created_by",
                    "created_at"]
    list_select_related = ["created_by"]
    form = SubsidyRoundAddForm

    @admin.display(description=_("适用项目"))
    def programme_list(self, obj):
        return "、".join(str(Programme(p).label) for p in obj.programmes)

    def has_change_permission(self, request, obj=None):
        return False  # a round may already be on a roll: correct it with a new round, never by editing

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewDistrictFilter(DistrictFilter):
    field = "benefit__household__community__code"


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["benefit", "period", "due_on", "outcome", "completed_by", "completed_at"]
    list_filter = ["period", "outcome", ReviewDistrictFilter]
    list_select_related = ["benefit__household", "completed_by"]
    search_fields = ["benefit__household__head_name"]
    show_full_result_count = False
