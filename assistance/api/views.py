"""Assistance API: thin views over the scoped selectors and the services.

Out-of-jurisdiction objects are 404 (the scoped selectors); the services decide
rights (PermissionDenied → 403) and rules (ValidationError → 400). A transition
whose application has already left the source state is answered 409 before the service runs;
a race lost inside the service's row lock still gets the service's 400 message."""
from __future__ import annotations

import django_filters
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.api.errors import service_errors
from civilaffairs.api.permissions import CanViewHouseholds, capability_required
from civilaffairs.payments.models import PaymentLine
from civilaffairs.registry.models import HouseholdMember
from civilaffairs.registry.selectors import household_get_for_user

from .. import selectors, services as svc
from ..payables import one_off_key
from ..exports import applications_export, benefits_export
from ..filters import ApplicationFilterSet, BenefitFilterSet
from ..models import (
    Application, ApplicationStatus, Benefit, DecisionState, Objection,
    PriceSubsidyRound, Review, VerificationReport,
)
from ..workflow import TRANSITIONS
from . import serializers as s

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("申请已被他人处理，请刷新后重试。")
    default_code = "conflict"


def _errors(*codes: int) -> dict:
    text = {
        400: gettext_lazy("请求不符合办理规则（返回中文原因）"),
        403: gettext_lazy("无权执行该操作"),
        404: gettext_lazy("对象不存在或不在辖区内"),
        409: gettext_lazy("申请状态已变化（已被他人处理），请刷新后重试"),
    }
    return {code: OpenApiResponse(description=text[code]) for code in codes}


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


# --- Applications -------------------------------------------------------------------------------

def _transition(action_name: str, *, request_serializer=None, summary: str, description: str = ""):
    return extend_schema(request=request_serializer, responses={200: s.ApplicationDetailOutputSerializer,
                                                                **_errors(400, 403, 404, 409)},
                         summary=summary, description=description, filters=False)


@extend_schema_view(
    list=extend_schema(summary="救助申请列表（与页面共用筛选条件）"),
    retrieve=extend_schema(summary="救助申请详情：成员（脱敏）、办理记录、预审结果", responses={
        200: s.ApplicationDetailOutputSerializer, **_errors(404)}),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assistance applications: caseworkers see their jurisdiction, residents their own household."""

    queryset = Application.objects.none()
    serializer_class = s.ApplicationOutputSerializer
    permission_classes = [IsAuthenticated, CanViewHouseholds]
    filterset_class = ApplicationFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.application_list(user=self.request.user)

    def get_object(self):
        return selectors.application_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, pk: int, status_code: int = 200) -> Response:
        app = selectors.application_get_for_user(user=self.request.user, pk=pk)
        return Response(self._detail_data(app), status=status_code)

    def _detail_data(self, app) -> dict:
        user = self.request.user
        context = {"allowed_actions": [t.action for t in TRANSITIONS.values()
                                       if t.shown and app.status in t.sources and svc.may_act(user, t.action, app)]}
        if app.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED) and not app.precheck:
            context["precheck"] = svc.application_precheck(app)  # a live hint while drafting
        return s.ApplicationDetailOutputSerializer(app, context=context).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail_data(self.get_object()))

    def _app_for(self, action_name: str | None, pk):
        """The application, refused first for someone who may never take the action (403), then
        for a status the action does not start from (409)."""
        app = self.get_object()
        if action_name and not svc.may_take(self.request.user, action_name, app):
            raise PermissionDenied(_("您无权对该申请执行“%(action)s”。") % {
                "action": TRANSITIONS[action_name].label if action_name in TRANSITIONS else action_name})
        if action_name in TRANSITIONS and app.status not in TRANSITIONS[action_name].sources:
            raise Conflict(_("申请当前状态为“%(status)s”，不能执行“%(action)s”（可能已被他人处理，请刷新）。")
                           % {"status": app.get_status_display(), "action": TRANSITIONS[action_name].label})
        return app

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    # -- create and draft --

    @extend_schema(request=s.ApplicationCreateInputSerializer,
                   responses={201: s.ApplicationDetailOutputSerializer, **_errors(400, 403, 404)},
                   summary="新建救助申请（居民为本人家庭 / 工作人员代办）")
    def create(self, request):
        data = self._body(s.ApplicationCreateInputSerializer)
        household = household_get_for_user(user=request.user, pk=data["household"])
        member = (HouseholdMember.objects.filter(household=household, person_id=data["applicant"], is_active=True)
                  .select_related("person").first())
        if member is None:
            raise ValidationError({"applicant": [_("申请人必须是该家庭的成员。")]})
        with service_errors():
            app = svc.application_create(
                actor=request.user, household=household, applicant=member.person, programmes=data["programmes"],
                channel=data["channel"], reason=data["reason"], emergency=data["emergency"],
                temporary_aid_amount=data.get("temporary_aid_amount"))
        return self._detail(app.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.MembersInputSerializer,
                   responses={200: s.ApplicationDetailOutputSerializer, **_errors(400, 403, 404)},
                   summary="申报家庭成员收入与情况（草稿或退回补正时）")
    # A list of objects: JSON only (a form cannot carry it; documenting forms invited bodies that
    # can never be valid).
    @action(detail=True, methods=["post"], url_path="members", parser_classes=[JSONParser])
    def set_members(self, request, pk=None):
        app = self.get_object()
        data = self._body(s.MembersInputSerializer)
        with service_errors():
            svc.application_set_members(actor=request.user, application_id=app.pk, members=data["members"])
        return self._detail(app.pk)

    @extend_schema(request={"multipart/form-data": s.MaterialInputSerializer},
                   responses={201: s.MaterialOutputSerializer, **_errors(400, 403, 404)},
                   summary="上传申请材料（PDF/JPG/PNG，按内容识别类型）")
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def materials(self, request, pk=None):
        app = self.get_object()
        data = self._body(s.MaterialInputSerializer)
        with service_errors():
            material = svc.material_add(actor=request.user, application_id=app.pk, uploaded=data["file"],
                                        kind=data["kind"])
        return Response(s.MaterialOutputSerializer(material).data, status=status.HTTP_201_CREATED)

    # -- transitions: one endpoint each, each one service call --

    @_transition("submit", summary="提交申请（自动预审）")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        app = self._app_for("submit", pk)
        with service_errors():
            svc.application_submit(actor=request.user, application_id=app.pk)
        return self._detail(app.pk)

    @_transition("resubmit", request_serializer=s.NoteInputSerializer, summary="补正后重新提交")
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        app = self._app_for("resubmit", pk)
        data = self._body(s.NoteInputSerializer)
        with service_errors():
            svc.application_resubmit(actor=request.user, application_id=app.pk, note=data["note"])
        return self._detail(app.pk)

    @_transition("accept", request_serializer=s.NoteInputSerializer, summary="受理（乡镇街道）")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        app = self._app_for("accept", pk)
        data = self._body(s.NoteInputSerializer)
        with service_errors():
            svc.application_accept(actor=request.user, application_id=app.pk, note=data["note"])
        return self._detail(app.pk)

    @_transition("return", request_serializer=s.ReturnInputSerializer, summary="退回补正材料（乡镇街道）")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        app = self._app_for("return", pk)
        data = self._body(s.ReturnInputSerializer)
        with service_errors():
            svc.application_return(actor=request.user, application_id=app.pk, missing=data["missing"])
        return self._detail(app.pk)

    @_transition("verify", request_serializer=s.VerifyInputSerializer,
                 summary="家庭经济状况核对：生成并签章核对报告（乡镇街道）")
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        app = self._app_for("verify", pk)
        data = self._body(s.VerifyInputSerializer)
        with service_errors():
            svc.application_verify(actor=request.user, application_id=app.pk, as_of=data.get("as_of"))
        return self._detail(app.pk)

    @extend_schema(request={"multipart/form-data": s.VisitInputSerializer, "application/json": s.VisitInputSerializer},
                   responses={200: s.ApplicationDetailOutputSerializer, **_errors(400, 403, 404, 409)},
                   summary="登记入户调查（可附照片）", filters=False)
    @action(detail=True, methods=["post"], url_path="record-visit")
    def record_visit(self, request, pk=None):
        app = self._app_for("record_visit", pk)
        data = self._body(s.VisitInputSerializer)
        with service_errors():
            svc.visit_record(actor=request.user, application_id=app.pk, visited_at=data["visited_at"],
                             visitors=data["visitors"], findings=data["findings"],
                             living_conditions=data["living_conditions"], recommendation=data["recommendation"],
                             photos=data["photos"])
        return self._detail(app.pk)

    @_transition("start_notice", request_serializer=s.NoticeInputSerializer, summary="发布公示（乡镇街道）")
    @action(detail=True, methods=["post"], url_path="start-notice")
    def start_notice(self, request, pk=None):
        app = self._app_for("start_notice", pk)
        data = self._body(s.NoticeInputSerializer)
        with service_errors():
            svc.notice_start(actor=request.user, application_id=app.pk, starts_on=data.get("starts_on"),
                             location=data["location"])
        return self._detail(app.pk)

    @extend_schema(request=s.ObjectionInputSerializer,
                   responses={201: s.ObjectionOutputSerializer, **_errors(400, 403, 404)},
                   summary="登记公示异议", filters=False)
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        app = self._app_for("objection", pk)
        data = self._body(s.ObjectionInputSerializer)
        with service_errors():
            objection = svc.objection_record(actor=request.user, application_id=app.pk, content=data["content"],
                                             received_on=data.get("received_on"))
        return Response(s.ObjectionOutputSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ObjectionResolveInputSerializer,
                   responses={200: s.ObjectionOutputSerializer, **_errors(400, 403, 404)},
                   parameters=[OpenApiParameter("objection_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
                   summary="处理公示异议（乡镇街道）", filters=False)
    @action(detail=True, methods=["post"], url_path=r"objections/(?P<objection_id>[0-9]+)/resolve",
            url_name="objection-resolve")
    def resolve_objection(self, request, pk=None, objection_id=None):
        app = self._app_for("resolve", pk)
        objection = get_object_or_404(Objection, pk=int(objection_id), notice__application=app)
        data = self._body(s.ObjectionResolveInputSerializer)
        with service_errors():
            objection = svc.objection_resolve(actor=request.user, objection_id=objection.pk,
                                              resolution=data["resolution"], upheld=data["upheld"])
        return Response(s.ObjectionOutputSerializer(objection).data)

    @_transition("close_notice", summary="公示期满，报区县审批（乡镇街道）")
    @action(detail=True, methods=["post"], url_path="close-notice")
    def close_notice(self, request, pk=None):
        app = self._app_for("close_notice", pk)
        with service_errors():
            svc.notice_close(actor=request.user, application_id=app.pk)
        return self._detail(app.pk)

    @_transition("approve", request_serializer=s.NoteInputSerializer, summary="批准（区县），按核对结果核定金额")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        app = self._app_for("approve", pk)
        data = self._body(s.NoteInputSerializer)
        with service_errors():
            svc.application_approve(actor=request.user, application_id=app.pk, note=data["note"])
        return self._detail(app.pk)

    @_transition("confirm", request_serializer=s.NoteInputSerializer, summary="确认拟批准的决定（第二审批人）",
                 description="核定金额超过须第二审批人确认的标准时，批准先记为拟批准（状态 proposed）；"
                             "由拟定人以外的区县审批人确认后生效。拟定人本人确认答 403。")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        app = self._app_for("confirm", pk)
        data = self._body(s.NoteInputSerializer)
        with service_errors():
            svc.application_confirm(actor=request.user, application_id=app.pk, note=data["note"])
        return self._detail(app.pk)

    @_transition("reject", request_serializer=s.RejectInputSerializer, summary="不予批准（区县），须说明理由")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        app = self._app_for("reject", pk)
        data = self._body(s.RejectInputSerializer)
        with service_errors():
            svc.application_reject(actor=request.user, application_id=app.pk, reason=data["reason"])
        return self._detail(app.pk)

    @_transition("withdraw", request_serializer=s.WithdrawInputSerializer, summary="撤回申请（申请人或乡镇街道）")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        app = self._app_for("withdraw", pk)
        data = self._body(s.WithdrawInputSerializer)
        with service_errors():
            svc.application_withdraw(actor=request.user, application_id=app.pk, reason=data["reason"])
        return self._detail(app.pk)

    @extend_schema(request=s.EmergencyPayInputSerializer,
                   responses={201: s.PaymentOutputSerializer,
                              202: OpenApiResponse(s.DecisionOutputSerializer,
                                                   description="超过本级可独立决定的金额：已报区县审批（待确认的决定）"),
                              **_errors(400, 403, 404)},
                   summary="先行救助：急难临时救助先发放后补材料", filters=False,
                   description="乡镇（街道）可独立发放至“乡镇可独立先行救助的金额上限”，区县审批人至“须第二审批人"
                               "确认的一次性救助金额”；超过者记为请求（202），由请求人以外的区县审批人批准。"
                               "任何人不得超过临时救助单次上限（400）。")
    @action(detail=True, methods=["post"], url_path="emergency-pay")
    def emergency_pay(self, request, pk=None):
        app = self._app_for("emergency", pk)
        data = self._body(s.EmergencyPayInputSerializer)
        with service_errors():
            decision = svc.application_emergency_pay(actor=request.user, application_id=app.pk,
                                                     amount=data.get("amount"), note=data["note"])
        if decision.state == DecisionState.PROPOSED:
            return Response(s.DecisionOutputSerializer(decision).data, status=status.HTTP_202_ACCEPTED)
        payment = PaymentLine.objects.get(entitlement=one_off_key(Benefit.objects.get(decision=decision).pk))
        return Response(s.PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.NoteInputSerializer, responses={201: s.PaymentOutputSerializer, **_errors(400, 403, 404)},
                   summary="批准先行救助请求（区县，请求人以外）", filters=False)
    @action(detail=True, methods=["post"], url_path="emergency-confirm")
    def emergency_confirm(self, request, pk=None):
        app = self._app_for("emergency_confirm", pk)
        data = self._body(s.NoteInputSerializer)
        with service_errors():
            payment = svc.application_emergency_confirm(actor=request.user, application_id=app.pk, note=data["note"])
        return Response(s.PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RejectInputSerializer, responses={200: s.DecisionOutputSerializer,
                                                               **_errors(400, 403, 404)},
                   summary="不予批准先行救助请求（区县），须说明理由", filters=False)
    @action(detail=True, methods=["post"], url_path="emergency-decline")
    def emergency_decline(self, request, pk=None):
        app = self._app_for("emergency_decline", pk)
        data = self._body(s.RejectInputSerializer)
        with service_errors():
            decision = svc.application_emergency_decline(actor=request.user, application_id=app.pk,
                                                         reason=data["reason"])
        return Response(s.DecisionOutputSerializer(decision).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY, **_errors(400, 403)},
                   summary="导出申请列表（Excel，须有导出个人数据权限，记审计）")
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        with service_errors():
            data = applications_export(actor=request.user, queryset=self.filter_queryset(self.get_queryset()))
        return _xlsx(data, "applications")


# --- Household 360° (assistance part) ---------------------------------------------------------------

class HouseholdAssistanceView(APIView):
    """One household's applications, benefits, recent payments, reports and reviews."""

    permission_classes = [IsAuthenticated, CanViewHouseholds]

    @extend_schema(responses={200: s.HouseholdAssistanceOutputSerializer, **_errors(404)},
                   summary="家庭救助情况（申请、待遇、发放、核对报告、复核）")
    def get(self, request, household_id: int):
        household = household_get_for_user(user=request.user, pk=household_id)
        data = selectors.household_assistance(household=household)
        data["applications"] = data["applications"].select_related("household", "community", "applicant")
        data["benefits"] = data["benefits"].select_related("household")
        data["reviews"] = data["reviews"].select_related("benefit__household")
        return Response(s.HouseholdAssistanceOutputSerializer({"household": household.pk, **data}).data)


# --- Verification reports -------------------------------------------------------------------------

class ReportFilterSet(django_filters.FilterSet):
    """By id, not by choice: an id that names no household (or none in scope) lists nothing, as the schema's
    integer promises, instead of a 400 that said the number was "not among the choices"."""

    household = django_filters.NumberFilter(field_name="household_id", label=gettext_lazy("家庭编号"))
    application = django_filters.NumberFilter(field_name="application_id", label=gettext_lazy("申请编号"))

    class Meta:
        model = VerificationReport
        fields = ["household", "application"]


@extend_schema_view(
    list=extend_schema(summary="核对报告列表", responses=s.ReportBriefSerializer(many=True)),
    retrieve=extend_schema(summary="核对报告（含签章验证结果 seal_valid）", responses={
        200: s.ReportOutputSerializer, **_errors(404)}),
)
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = VerificationReport.objects.none()
    serializer_class = s.ReportOutputSerializer
    permission_classes = [IsAuthenticated, CanViewHouseholds]
    filterset_class = ReportFilterSet

    def get_queryset(self):
        return scope_queryset(VerificationReport.objects.all(), self.request.user,
                              capability=Capability.VIEW_HOUSEHOLDS).order_by("-created_at", "-id")

    def get_serializer_class(self):
        return s.ReportBriefSerializer if self.action == "list" else s.ReportOutputSerializer

    def get_object(self):
        return selectors.report_get_for_user(user=self.request.user, pk=self.kwargs["pk"])


# --- Benefits --------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="救助待遇列表（与页面共用筛选条件）"),
                    retrieve=extend_schema(summary="救助待遇", responses={200: s.BenefitOutputSerializer,
                                                                      **_errors(404)}))
class BenefitViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Benefit.objects.none()
    serializer_class = s.BenefitOutputSerializer
    permission_classes = [IsAuthenticated, CanViewHouseholds]
    filterset_class = BenefitFilterSet

    def get_queryset(self):
        return selectors.benefit_list(user=self.request.user).order_by("-start_date", "-id")

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY, **_errors(400, 403)},
                   summary="导出待遇列表（Excel，须有导出个人数据权限，记审计）")
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        with service_errors():
            data = benefits_export(actor=request.user, queryset=self.filter_queryset(self.get_queryset()))
        return _xlsx(data, "benefits")


# --- Price subsidies and reviews -------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="物价补贴批次"),
                    create=extend_schema(summary="新建物价补贴批次（市级管理员）",
                                         responses={201: s.SubsidyRoundSerializer, **_errors(400, 403)}))
class PriceSubsidyRoundViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = PriceSubsidyRound.objects.order_by("-month", "-id")
    serializer_class = s.SubsidyRoundSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.VIEW_HOUSEHOLDS)]

    def create(self, request, *args, **kwargs):
        body = s.SubsidyRoundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            r = svc.price_subsidy_round_create(actor=request.user, **body.validated_data)
        return Response(s.SubsidyRoundSerializer(r).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="待办定期复核（默认只列未完成）"))
class ReviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Review.objects.none()
    serializer_class = s.ReviewOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.MANAGE_WORKLIST)]
    filterset_fields = ["period"]

    def get_queryset(self):
        qs = scope_queryset(Review.objects.select_related("benefit__household"), self.request.user,
                            capability=Capability.MANAGE_WORKLIST)
        if self.action == "list":
            qs = qs.filter(completed_at__isnull=True)
        return qs.order_by("due_on", "id")

    @extend_schema(request=s.ReviewCompleteInputSerializer,
                   responses={200: s.ReviewOutputSerializer, **_errors(400, 403, 404)}, filters=False,
                   summary="完成复核：重新核对并继续、调整、渐退或终止")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        review = get_object_or_404(self.get_queryset(), pk=pk)  # DRF's: a non-numeric id is a 404, not a 500
        body = s.ReviewCompleteInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            review = svc.review_complete(actor=request.user, review_id=review.pk,
                                         as_of=body.validated_data.get("as_of"), note=body.validated_data["note"])
        return Response(s.ReviewOutputSerializer(review).data)
