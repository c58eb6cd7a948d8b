"""Elders and ability assessments over the API (``/api/v1/eldercare/``): the pages' scoping and
capabilities. Lists and details are scoped with VIEW (another community's elder or assessment is
a 404); writes need ASSESS over the elder's community (the services: 403), bad input is a 400 with
Chinese field messages, a record that moved on (signed, voided) a 409. No full ID or phone number
is ever in a response."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.api.errors import service_errors
from civilaffairs.registry.models import Person

from .. import services
from ..capabilities import ASSESS, VIEW
from ..elder_list import AGE_BANDS, GRADE_LABELS, NO_GRADE, elder_rows, elders_queryset
from ..models import RISK_EVENTS_MAX, AbilityGrade, Assessment, ElderProfile, SpecialGroup
from ..selectors import Arrangement


class CanViewElders(BasePermission):
    message = _("您没有“查看老年人信息”的权限。")

    def has_permission(self, request, view) -> bool:
        return not getattr(request.user, "is_resident", False) and user_can(request.user, VIEW)


def _errors(*codes: int) -> dict:
    text = {400: _("请求不符合规则（返回中文原因）"), 403: _("无权执行该操作"), 404: _("对象不存在或不在辖区内"),
            409: _("评估状态已变化（已签署或已作废），请刷新后重试")}
    return {code: OpenApiResponse(description=text[code]) for code in codes}


# --- serializers -------------------------------------------------------------------------------

class ElderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    arrangement = serializers.CharField(allow_null=True)
    community_id = serializers.CharField(allow_null=True)
    grade = serializers.IntegerField(allow_null=True)
    grade_label = serializers.CharField(allow_null=True)
    special_groups = serializers.ListField(child=serializers.CharField())


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    relation = serializers.CharField()
    phone_masked = serializers.CharField()
    priority = serializers.IntegerField()
    notify_alarms = serializers.BooleanField()


class ElderDetailSerializer(ElderSerializer):
    lost_only_child = serializers.BooleanField()
    community_doctor = serializers.CharField()
    doctor_phone_masked = serializers.CharField()
    contacts = ContactSerializer(many=True)


class SignatureSerializer(serializers.Serializer):
    assessor = serializers.CharField(source="assessor.username")
    certificate_number = serializers.CharField(source="qualification.certificate_number")
    signed_at = serializers.DateTimeField()


class AssessmentSerializer(serializers.ModelSerializer):
    instrument_version = serializers.IntegerField(source="detail.instrument.version")
    total_score = serializers.IntegerField(source="detail.total_score", allow_null=True)
    dimension_scores = serializers.JSONField(source="detail.dimension_scores")
    raw_grade = serializers.IntegerField(source="detail.raw_grade", allow_null=True)
    adjustments = serializers.JSONField(source="detail.adjustments")
    explanation = serializers.CharField(source="detail.explanation")
    void_reason = serializers.CharField(source="detail.void_reason")
    answers = serializers.SerializerMethodField()
    signatures = SignatureSerializer(many=True)

    class Meta:
        model = Assessment
        fields = ("id", "person", "community_id", "status", "grade", "assessed_on", "valid_from", "valid_to",
                  "instrument_version", "total_score", "dimension_scores", "raw_grade", "adjustments", "explanation",
                  "void_reason", "answers", "signatures")

    def get_answers(self, obj) -> dict[str, int]:
        return {str(item): option for item, option in obj.answers.values_list("item_id", "option_id")}


class AssessmentCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)


class AnswerSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    option = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class AnswersSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True, required=False)
    diagnosed_dementia = serializers.BooleanField(required=False)
    diagnosed_psychiatric = serializers.BooleanField(required=False)
    risk_events_30d = serializers.IntegerField(required=False, min_value=0, max_value=RISK_EVENTS_MAX)
    assessed_on = serializers.DateField(required=False)

    def validate_answers(self, value):
        if len(value) > 200:
            raise serializers.ValidationError(gettext("一次最多提交200项。"))
        items = [a["item"] for a in value]
        if len(items) != len(set(items)):
            raise serializers.ValidationError(gettext("同一项目只能作答一次。"))
        return value


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=2, max_length=200)


# --- elders --------------------------------------------------------------------------------------

def _elder_payload(person, row) -> dict:
    return {"id": person.pk, "name": person.name, "id_number_masked": person.id_number_masked,
            "age": row.age if row else None, "arrangement": row.arrangement if row else None,
            "community_id": row.community_id if row else None, "grade": row.grade if row else None,
            "grade_label": str(GRADE_LABELS[row.grade]) if row and row.grade is not None else None,
            "special_groups": row.groups if row else []}


_LIST_PARAMS = [
    OpenApiParameter("community", str, description="村社代码前缀"),
    OpenApiParameter("age_band", str, enum=list(AGE_BANDS)),
    OpenApiParameter("grade", str, enum=[NO_GRADE] + [str(v) for v in AbilityGrade.values]),
    OpenApiParameter("arrangement", str, enum=list(Arrangement.values)),
    OpenApiParameter("group", str, enum=list(SpecialGroup.values)),
    OpenApiParameter("name", str, description="姓名开头"),
]


@extend_schema_view(
    list=extend_schema(summary="辖区老年人列表（筛选与页面一致）", parameters=_LIST_PARAMS,
                       responses={200: ElderSerializer(many=True), **_errors(400)}),
    retrieve=extend_schema(summary="老年人详情：年龄、居住状况、特殊群体、能力等级、家属联系人（电话脱敏）",
                           responses={200: ElderDetailSerializer, **_errors(404)}),
)
class ElderViewSet(viewsets.GenericViewSet):
    permission_classes = (CanViewElders,)
    serializer_class = ElderSerializer
    queryset = Person.objects.none()

    def list(self, request):
        params = request.query_params
        choices = {"age_band": list(AGE_BANDS), "grade": [NO_GRADE] + [str(v) for v in AbilityGrade.values],
                   "arrangement": list(Arrangement.values), "group": list(SpecialGroup.values)}
        errors = {k: [gettext("无效的取值。")] for k, allowed in choices.items()
                  if params.get(k) and params.get(k) not in allowed}
        community = params.get("community", "")
        if community and (not community.isdigit() or len(community) > 12):
            errors["community"] = [gettext("区划代码应为不超过12位的数字。")]
        name = params.get("name", "")
        if len(name) > 50:
            errors["name"] = [gettext("姓名不超过50字。")]
        if "\x00" in "".join(params.values()):
            errors["non_field_errors"] = [gettext("参数含有无效字符。")]
        if errors:
            raise ValidationError(errors)
        today = timezone.localdate()
        queryset = elders_queryset(user=request.user, on=today, community=community,
                                   age_band=params.get("age_band", ""), grade=params.get("grade", ""),
                                   arrangement=params.get("arrangement", ""), group=params.get("group", ""),
                                   name=name.strip())
        page = self.paginate_queryset(queryset)
        rows = elder_rows([p.pk for p in page], on=today)
        return self.get_paginated_response([_elder_payload(p, rows.get(p.pk)) for p in page])

    def retrieve(self, request, pk=None):
        person = get_scoped_or_404(Person.objects.all(), request.user, capability=VIEW, pk=pk)
        row = elder_rows([person.pk], on=timezone.localdate()).get(person.pk)
        if row is None:
            raise NotFound(gettext("该人员不是老年人。"))
        profile = ElderProfile.objects.filter(person=person).first()
        payload = _elder_payload(person, row)
        payload.update(lost_only_child=bool(profile and profile.lost_only_child),
                       community_doctor=profile.community_doctor if profile else "",
                       doctor_phone_masked=profile.doctor_phone_masked if profile else "",
                       contacts=[{"id": c.pk, "name": c.name, "relation": c.relation, "phone_masked": c.phone_masked,
                                  "priority": c.priority, "notify_alarms": c.notify_alarms}
                                 for c in person.elder_contacts.all()])
        return Response(payload)


# --- assessments ---------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="能力评估列表（辖区内）", parameters=[OpenApiParameter("person", int)]),
    retrieve=extend_schema(summary="能力评估详情：作答、各维度得分、等级调整与说明、签名",
                           responses={200: AssessmentSerializer, **_errors(404)}),
    create=extend_schema(summary="新建评估草稿（已有草稿则返回该草稿）", request=AssessmentCreateSerializer,
                         responses={201: AssessmentSerializer, **_errors(400, 403, 404)}),
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = (CanViewElders,)
    serializer_class = AssessmentSerializer

    def get_queryset(self):
        qs = scope_queryset(Assessment.objects.select_related("detail__instrument").prefetch_related(
            "signatures__assessor", "signatures__qualification"), self.request.user, capability=VIEW)
        person = self.request.query_params.get("person", "")
        if self.action == "list" and person:
            if not person.isdigit() or len(person) > 12:
                raise ValidationError({"person": [gettext("应为人员编号。")]})
            qs = qs.filter(person_id=int(person))
        return qs.order_by("-assessed_on", "-id")

    def _assessable(self) -> Assessment:
        """The assessment in VIEW scope (else 404), with ASSESS over its community (else 403)."""
        assessment = self.get_object()
        if not user_can(self.request.user, ASSESS, assessment.community_id):
            raise PermissionDenied(gettext("您没有开展能力评估的权限（需评估员角色）。"))
        return assessment

    def _fresh(self, pk) -> Response:
        return Response(AssessmentSerializer(self.get_queryset().get(pk=pk)).data)

    def create(self, request):
        data = AssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = get_scoped_or_404(Person.objects.all(), request.user, capability=VIEW,
                                   pk=data.validated_data["person"])
        with service_errors():
            assessment = services.assessment_start(actor=request.user, person_id=person.pk)
        response = self._fresh(assessment.pk)
        response.status_code = 201
        return response

    @extend_schema(summary="作答（可多项）并登记等级调整情形；草稿且无人签名时可改",
                   request=AnswersSerializer, responses={200: AssessmentSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        assessment = self._assessable()
        data = AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if not v:
            raise ValidationError({"answers": [gettext("请提交作答或等级调整情形。")]})
        with service_errors():
            if v.get("answers"):
                services.assessment_answer(actor=request.user, assessment_id=assessment.pk,
                                           answers={a["item"]: a["option"] for a in v["answers"]})
            facts = {"diagnosed_dementia", "diagnosed_psychiatric", "risk_events_30d", "assessed_on"}
            if facts & set(v):
                detail = assessment.detail
                services.assessment_set_facts(
                    actor=request.user, assessment_id=assessment.pk,
                    diagnosed_dementia=v.get("diagnosed_dementia", detail.diagnosed_dementia),
                    diagnosed_psychiatric=v.get("diagnosed_psychiatric", detail.diagnosed_psychiatric),
                    risk_events_30d=v.get("risk_events_30d", detail.risk_events_30d),
                    assessed_on=v.get("assessed_on"))
        return self._fresh(assessment.pk)

    @extend_schema(summary="评估员签名：第二名合格评估员签名后生效并取代此前的评估", request=None,
                   responses={200: AssessmentSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        assessment = self._assessable()
        with service_errors():
            services.assessment_sign(actor=request.user, assessment_id=assessment.pk)
        return self._fresh(assessment.pk)

    @extend_schema(summary="作废评估（须填写原因；已生效的由未签名的评估员作废）", request=VoidSerializer,
                   responses={200: AssessmentSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        assessment = self._assessable()
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            services.assessment_void(actor=request.user, assessment_id=assessment.pk,
                                     reason=data.validated_data["reason"])
        return self._fresh(assessment.pk)
