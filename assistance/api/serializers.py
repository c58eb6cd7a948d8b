"""Assistance API shapes. Inputs validate shape only (the services own the rules);
outputs carry masked identifiers only."""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civilaffairs.payments.api.serializers import PaymentOutputSerializer  # noqa: F401  (emergency pay answers)

from .. import dates
from ..models import (
    Application, ApplicationEvent, ApplicationMember, Benefit, Channel, Decision, HomeVisit, Material, MaterialKind,
    Objection, PriceSubsidyRound, Programme, PublicNotice, Review, SelfCare,
    VerificationReport,
)

CHANNEL_HELP = "；".join(f"{value} = {label}" for value, label in Channel.choices)


@extend_schema_field(OpenApiTypes.STR)
class VisitTimeField(serializers.DateTimeField):
    """DRF's own time-zone check overflows on 0001-01-01 / 9999-12-31 (a 500): a field error."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(_("%(label)s超出可接受的范围（%(why)s）。")
                                              % {"label": dates.VISIT_AT.label, "why": dates.VISIT_AT.why}) from None


# --- Applications: outputs ------------------------------------------------------------------


class ApplicationOutputSerializer(serializers.ModelSerializer):
    household_head_name = serializers.CharField(source="household.head_name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True, help_text=CHANNEL_HELP)

    class Meta:
        model = Application
        fields = ["id", "number", "household", "household_head_name", "community", "community_name", "applicant",
                  "applicant_name", "programmes", "channel", "status", "status_label", "emergency",
                  "emergency_paid_at", "temporary_aid_amount", "submitted_at", "decided_at", "created_at",
                  "updated_at", "version"]


class ApplicationMemberOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_number_masked = serializers.CharField(source="person.id_number_masked", read_only=True)

    class Meta:
        model = ApplicationMember
        fields = ["person", "name", "id_number_masked", "relation", "declared_monthly_income", "disability_grade",
                  "serious_illness", "self_care", "can_work", "note"]


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationEvent
        fields = ["action", "from_status", "to_status", "actor_name", "note", "created_at"]

    def get_actor_name(self, obj) -> str:
        if obj.actor is None:
            return str(_("系统"))
        return obj.actor.get_full_name() or obj.actor.username


class MaterialOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "visit", "created_at"]


class VisitOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = HomeVisit
        fields = ["id", "visited_at", "visitors", "findings", "living_conditions", "recommendation", "created_at"]


class ObjectionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "received_on", "content", "resolution", "upheld", "resolved_at"]


class NoticeOutputSerializer(serializers.ModelSerializer):
    objections = ObjectionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = PublicNotice
        fields = ["starts_on", "ends_on", "location", "closed_at", "objections"]


class DecisionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "outcome", "state", "monthly_total", "one_off_total", "lines", "reason", "verification_report",
                  "decided_by", "decided_at", "confirmed_by", "confirmed_at"]


class ReportBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = VerificationReport
        fields = ["id", "number", "as_of", "created_at"]


class PrecheckSerializer(serializers.Serializer):
    complete = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    hints = serializers.ListField(child=serializers.CharField())
    per_capita_income = serializers.CharField()
    standard = serializers.CharField()
    checked_on = serializers.DateField()
    disclaimer = serializers.CharField()


class ApplicationDetailOutputSerializer(ApplicationOutputSerializer):
    members = ApplicationMemberOutputSerializer(many=True, read_only=True)
    timeline = TimelineEntrySerializer(source="events", many=True, read_only=True)
    materials = MaterialOutputSerializer(many=True, read_only=True)
    visits = VisitOutputSerializer(many=True, read_only=True)
    notice = serializers.SerializerMethodField()
    decisions = DecisionOutputSerializer(many=True, read_only=True)
    reports = ReportBriefSerializer(source="verification_reports", many=True, read_only=True)
    precheck = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text=_("当前用户此刻可以执行的操作"))

    class Meta(ApplicationOutputSerializer.Meta):
        fields = [*ApplicationOutputSerializer.Meta.fields, "reason", "missing_materials", "members", "timeline",
                  "materials", "visits", "notice", "decisions", "reports", "precheck", "allowed_actions"]

    @extend_schema_field(NoticeOutputSerializer(allow_null=True))
    def get_notice(self, obj):
        notice = obj.notice if hasattr(obj, "notice") else None  # reverse one-to-one: absent until posted
        return NoticeOutputSerializer(notice).data if notice is not None else None

    @extend_schema_field(PrecheckSerializer(allow_null=True))
    def get_precheck(self, obj):
        return self.context.get("precheck") or obj.precheck or None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        return self.context.get("allowed_actions", [])


# --- Applications: inputs --------------------------------------------------------------------


class ApplicationCreateInputSerializer(serializers.Serializer):
    household = serializers.IntegerField(label=_("家庭编号"))
    applicant = serializers.IntegerField(label=_("申请人（人员编号）"))
    programmes = serializers.ListField(child=serializers.ChoiceField(choices=Programme.choices), allow_empty=False,
                                       label=_("申请项目"))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.ONLINE, label=_("申请渠道"),
                           help_text=CHANNEL_HELP)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000,
                                   label=_("申请理由"))
    emergency = serializers.BooleanField(required=False, default=False, label=_("急难情形（先行救助）"))
    temporary_aid_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                                    allow_null=True, min_value=0, label=_("临时救助申请金额（元）"))


class MemberDeclarationSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    declared_monthly_income = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    disability_grade = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    serious_illness = serializers.BooleanField(required=False, default=False)
    self_care = serializers.ChoiceField(choices=SelfCare.choices, required=False, default=SelfCare.SELF)
    can_work = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class MembersInputSerializer(serializers.Serializer):
    members = MemberDeclarationSerializer(many=True, allow_empty=False)


class MaterialInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MaterialKind.choices, label=_("材料类别"))
    file = serializers.FileField(label=_("文件"), help_text=_("PDF、JPG 或 PNG，按内容识别类型"))

    def validate_file(self, upload):
        if upload.size > settings.MATERIAL_MAX_BYTES:
            raise serializers.ValidationError(_("文件超过 %(mb).1f MB 的上限。")
                                              % {"mb": settings.MATERIAL_MAX_BYTES / 1048576})
        return upload


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000, label=_("说明"))


class ReturnInputSerializer(serializers.Serializer):
    missing = serializers.CharField(max_length=4000, label=_("需补正的材料或内容"))


class VerifyInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, allow_null=True, label=_("核对基准日（默认今天）"),
                                  validators=[dates.VERIFICATION_AS_OF.validator()],
                                  help_text=_("不能晚于今天，最早为 30 天前"))


class VisitInputSerializer(serializers.Serializer):
    visited_at = VisitTimeField(label=_("入户时间"), validators=[dates.VISIT_AT.validator()],
                                           help_text=_("不早于申请日期，不晚于今天"))
    visitors = serializers.CharField(max_length=200, label=_("调查人员"))
    findings = serializers.CharField(max_length=8000, label=_("调查情况"))
    living_conditions = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000)
    recommendation = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20,
                                   help_text=_("照片（multipart 上传，可多张）"))


class NoticeInputSerializer(serializers.Serializer):
    starts_on = serializers.DateField(required=False, allow_null=True, label=_("公示开始日期（默认今天）"),
                                      validators=[dates.NOTICE_START.validator()],
                                      help_text=_("从今天起，不能倒签，最迟为 30 天后"))
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ObjectionInputSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=8000, label=_("异议内容"))
    received_on = serializers.DateField(required=False, allow_null=True, label=_("收到日期"),
                                        validators=[dates.OBJECTION_RECEIVED.validator()],
                                        help_text=_("不早于公示开始日期，不晚于今天"))


class ObjectionResolveInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=8000, label=_("处理结果"))
    upheld = serializers.BooleanField(label=_("异议成立"))


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, label=_("不予批准理由"))


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class EmergencyPayInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True,
                                      label=_("金额（默认按申请金额）"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


# --- Reports, benefits, payments, subsidies, reviews --------------------------------------------


class ReportOutputSerializer(serializers.ModelSerializer):
    seal_valid = serializers.SerializerMethodField(help_text=_("内容摘要与电子签章是否仍然有效（被篡改则为 false）"))

    class Meta:
        model = VerificationReport
        fields = ["id", "number", "application", "household", "as_of", "content", "digest", "seal", "seal_key_id",
                  "seal_valid", "created_at"]

    def get_seal_valid(self, obj) -> bool:
        from ..verification import verify_seal

        return verify_seal(content=obj.content, digest=obj.digest, signature=obj.seal)


class BenefitOutputSerializer(serializers.ModelSerializer):
    household_head_name = serializers.CharField(source="household.head_name", read_only=True)
    community = serializers.CharField(source="household.community_id", read_only=True)

    class Meta:
        model = Benefit
        fields = ["id", "household", "household_head_name", "community", "programme", "status", "monthly_amount",
                  "members_covered", "start_date", "end_date", "phaseout_until", "end_reason", "application",
                  "calculation"]


class SubsidyRoundSerializer(serializers.ModelSerializer):
    """Input and output alike: every field is plain data (the creator is the caller)."""

    class Meta:
        model = PriceSubsidyRound
        fields = ["id", "name", "month", "amount_per_person", "multiplier", "programmes", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"month": {"validators": [dates.SUBSIDY_MONTH.validator()]}}


class ReviewOutputSerializer(serializers.ModelSerializer):
    household = serializers.IntegerField(source="benefit.household_id", read_only=True)
    household_head_name = serializers.CharField(source="benefit.household.head_name", read_only=True)
    programme = serializers.CharField(source="benefit.programme", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "benefit", "household", "household_head_name", "programme", "period", "due_on",
                  "verification_report", "outcome", "note", "completed_at"]


class ReviewCompleteInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, allow_null=True, label=_("核对基准日（默认今天）"),
                                  validators=[dates.REVIEW_AS_OF.validator()],
                                  help_text=_("不能晚于今天，最早为 30 天前"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class HouseholdAssistanceOutputSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    applications = ApplicationOutputSerializer(many=True)
    benefits = BenefitOutputSerializer(many=True)
    payments = PaymentOutputSerializer(many=True, help_text=_("最近 60 笔"))
    reports = ReportBriefSerializer(many=True)
    reviews = ReviewOutputSerializer(many=True)
