"""Admin of the elders / assessment area. Elders' data (profiles, contacts, assessments, answers,
signatures) is read-only here: it is written on the caseworkers' pages through the services. The
instrument is edited only as a DRAFT version (its dimensions, items, options, bands, rules), by a
user holding MANAGE_INSTRUMENT; published and retired versions are frozen. New versions and
publishing go through the services (admin actions). Assessor qualifications are recorded through
``assessor_qualification_record``."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.registry.admin import ServiceAdminMixin, ServiceModelForm

from .capabilities import MANAGE_INSTRUMENT
from .models import (
    AdjustmentRule,
    Assessment,
    AssessmentAnswer,
    AssessmentDetail,
    AssessmentSignature,
    AssessorQualification,
    ElderProfile,
    FamilyContact,
    GradeBand,
    Instrument,
    InstrumentDimension,
    InstrumentItem,
    InstrumentOption,
    InstrumentStatus,
)
from .services.assessment import assessor_qualification_record, instrument_new_version, instrument_publish


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- elders ------------------------------------------------------------------------------------

@admin.register(ElderProfile)
class ElderProfileAdmin(ReadOnly):
    list_display = ("person", "lost_only_child", "community_doctor", "doctor_phone_masked", "updated_at")
    list_filter = ("lost_only_child",)
    search_fields = ("person__name",)
    fields = ("person", "lost_only_child", "community_doctor", "doctor_phone_masked", "note", "updated_at",
              "updated_by")
    list_select_related = ("person",)


@admin.register(FamilyContact)
class FamilyContactAdmin(ReadOnly):
    list_display = ("elder", "name", "relation", "phone_masked", "priority", "notify_alarms")
    search_fields = ("elder__name", "name")
    fields = ("elder", "name", "relation", "phone_masked", "priority", "notify_alarms", "created_at")
    list_select_related = ("elder",)


# --- the instrument ----------------------------------------------------------------------------

def _may_edit_instrument(request, instrument) -> bool:
    return (instrument is not None and instrument.status == InstrumentStatus.DRAFT
            and user_can(request.user, MANAGE_INSTRUMENT))


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _instrument(self, obj):
        return obj

    def has_add_permission(self, request, obj=None):
        return _may_edit_instrument(request, self._instrument(obj))

    def has_change_permission(self, request, obj=None):
        return _may_edit_instrument(request, self._instrument(obj))

    def has_delete_permission(self, request, obj=None):
        return _may_edit_instrument(request, self._instrument(obj))


class DimensionInline(DraftOnlyInline):
    model = InstrumentDimension
    fields = ("position", "code", "name")
    show_change_link = True


class BandInline(DraftOnlyInline):
    model = GradeBand
    fields = ("grade", "min_score", "max_score")


class RuleInline(DraftOnlyInline):
    model = AdjustmentRule
    fields = ("position", "code", "label", "condition", "flag", "threshold", "kind", "to_grade")


class _AuditedDraftAdmin(admin.ModelAdmin):
    """Edits of a draft version are audited (the version is not in use until it is published)."""

    def _instrument_of(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        if not _may_edit_instrument(request, self._instrument_of(obj)):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        audit_log(actor=request.user, action="eldercare.instrument_draft_edited", obj=self._instrument_of(obj),
                  after={"model": obj._meta.model_name, "changed": form.changed_data})

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit_log(actor=request.user, action="eldercare.instrument_draft_edited",
                      obj=self._instrument_of(form.instance), after={"model": formset.model._meta.model_name})


@admin.register(Instrument)
class InstrumentAdmin(_AuditedDraftAdmin):
    list_display = ("name", "version", "status", "validity_months", "published_at")
    list_filter = ("status",)
    inlines = (DimensionInline, BandInline, RuleInline)
    actions = ("new_version", "publish")
    readonly_fields = ("code", "version", "status", "published_at")
    fields = ("code", "version", "name", "status", "validity_months", "note", "published_at")

    def _instrument_of(self, obj):
        return obj

    def has_add_permission(self, request):
        return False  # a new version is made from an existing one (action 新建草稿版本)

    def has_change_permission(self, request, obj=None):
        return obj is None or _may_edit_instrument(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("以所选版本为底稿新建草稿版本"))
    def new_version(self, request, queryset):
        for instrument in queryset[:1]:
            try:
                draft = instrument_new_version(actor=request.user, from_id=instrument.pk)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, "；".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            else:
                self.message_user(request, _("已新建草稿版本 v%(v)s。") % {"v": draft.version})

    @admin.action(description=_("发布所选草稿版本"))
    def publish(self, request, queryset):
        for instrument in queryset:
            try:
                instrument_publish(actor=request.user, instrument_id=instrument.pk)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, "；".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            else:
                self.message_user(request, _("已发布 v%(v)s。") % {"v": instrument.version})


class ItemInline(DraftOnlyInline):
    model = InstrumentItem
    fields = ("position", "code", "name", "guidance")
    show_change_link = True

    def _instrument(self, obj):
        return obj.instrument if obj is not None else None


@admin.register(InstrumentDimension)
class InstrumentDimensionAdmin(_AuditedDraftAdmin):
    list_display = ("name", "instrument", "position")
    list_filter = ("instrument",)
    inlines = (ItemInline,)
    fields = ("instrument", "position", "code", "name")
    readonly_fields = ("instrument",)

    def _instrument_of(self, obj):
        return obj.instrument

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or _may_edit_instrument(request, obj.instrument)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and _may_edit_instrument(request, obj.instrument)


class OptionInline(DraftOnlyInline):
    model = InstrumentOption
    fields = ("position", "score", "wording", "flag")

    def _instrument(self, obj):
        return obj.dimension.instrument if obj is not None else None


@admin.register(InstrumentItem)
class InstrumentItemAdmin(_AuditedDraftAdmin):
    list_display = ("name", "dimension", "position")
    list_filter = ("dimension__instrument",)
    inlines = (OptionInline,)
    fields = ("dimension", "position", "code", "name", "guidance")
    readonly_fields = ("dimension",)
    list_select_related = ("dimension",)

    def _instrument_of(self, obj):
        return obj.dimension.instrument

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or _may_edit_instrument(request, obj.dimension.instrument)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and _may_edit_instrument(request, obj.dimension.instrument)


# --- assessments ---------------------------------------------------------------------------------

class AnswerInline(ReadOnlyInline):
    model = AssessmentAnswer
    fields = ("item", "option", "answered_at")
    readonly_fields = fields


class SignatureInline(ReadOnlyInline):
    model = AssessmentSignature
    fields = ("assessor", "qualification", "signed_at")
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(ReadOnly):
    list_display = ("person", "community_id", "status", "grade", "assessed_on", "valid_from", "valid_to")
    list_filter = ("status", "grade")
    search_fields = ("person__name", "community_id")
    list_select_related = ("person",)
    inlines = (AnswerInline, SignatureInline)


@admin.register(AssessmentDetail)
class AssessmentDetailAdmin(ReadOnly):
    list_display = ("assessment", "instrument", "total_score", "raw_grade", "void_reason")
    list_select_related = ("assessment__person", "instrument")
    exclude = ()


@admin.register(AssessmentAnswer)
class AssessmentAnswerAdmin(ReadOnly):
    list_display = ("assessment", "item", "option", "answered_at")
    list_select_related = ("assessment__person", "item", "option")


@admin.register(AssessmentSignature)
class AssessmentSignatureAdmin(ReadOnly):
    list_display = ("assessment", "assessor", "qualification", "signed_at")
    list_select_related = ("assessment__person", "assessor", "qualification")


@admin.register(GradeBand)
class GradeBandAdmin(ReadOnly):
    list_display = ("instrument", "grade", "min_score", "max_score")
    list_filter = ("instrument",)


@admin.register(AdjustmentRule)
class AdjustmentRuleAdmin(ReadOnly):
    list_display = ("instrument", "code", "label", "kind")
    list_filter = ("instrument",)


@admin.register(InstrumentOption)
class InstrumentOptionAdmin(ReadOnly):
    list_display = ("item", "score", "wording", "flag")
    list_select_related = ("item",)


class QualificationForm(ServiceModelForm):
    class Meta:
        model = AssessorQualification
        fields = ("user", "certificate_number", "valid_from", "valid_to")

    def perform(self, data):
        return assessor_qualification_record(actor=self.actor, user_id=data["user"].pk,
                                             certificate_number=data["certificate_number"],
                                             valid_from=data["valid_from"], valid_to=data["valid_to"])


@admin.register(AssessorQualification)
class AssessorQualificationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = QualificationForm
    list_display = ("user", "certificate_number", "valid_from", "valid_to")
    search_fields = ("user__username", "certificate_number")
    autocomplete_fields = ()
    raw_id_fields = ("user",)

    def has_change_permission(self, request, obj=None):
        return obj is None  # a renewed certificate is a new row

    def has_delete_permission(self, request, obj=None):
        return False
