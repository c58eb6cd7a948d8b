"""The device-event ingestion endpoint (area D): ``POST /api/v1/eldercare/device-events/``,
authenticated by a provider's ingestion key (``Authorization: Token dev_…``), never by a user
session. Validation per event and storage are the service's (``services.devices``)."""
from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import DeviceToken, EventKind
from ..services import devices as svc


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in (b"token", b"bearer"):
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Token <令牌>”。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Token <令牌>”。")) from None
        token, reason = svc.device_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(reason)
        return AnonymousUser(), token

    def authenticate_header(self, request):
        return self.keyword


class HasDeviceToken(BasePermission):
    message = _("请使用服务商的设备接入令牌。")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, DeviceToken)


class EventIn(serializers.Serializer):
    device = serializers.CharField(help_text=gettext_lazy("设备编号"))
    event_id = serializers.CharField(help_text=gettext_lazy("设备侧事件编号（同一设备内唯一，重复报送视为重复）"))
    kind = serializers.ChoiceField(choices=EventKind.choices)
    value = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True,
                                     help_text=gettext_lazy("心率/呼吸（次/分）、无活动（小时）、离床（分钟）"))
    occurred_at = serializers.DateTimeField(help_text=gettext_lazy("发生时间，ISO 8601，含时区"))


class BatchIn(serializers.Serializer):
    events = EventIn(many=True, help_text=gettext_lazy("至多 1000 条"))


class RejectedOut(serializers.Serializer):
    index = serializers.IntegerField()
    event_id = serializers.CharField()
    reason = serializers.CharField()


class BatchOut(serializers.Serializer):
    accepted = serializers.ListField(child=serializers.CharField())
    duplicates = serializers.ListField(child=serializers.CharField())
    rejected = RejectedOut(many=True)
    alarms_opened = serializers.IntegerField()


class DeviceEventsView(APIView):
    """A provider's batch of device events: each good event stored once, each bad one answered with
    its index and reason; abnormal events open alarms at once."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [HasDeviceToken]
    throttle_classes: list = []

    def initial(self, request, *args, **kwargs):
        # Read the body before the key is checked: a refused request (401) whose body was left
        # unread would be taken by a keep-alive server as the start of the next request.
        request._request.body  # noqa: B018 - bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
        super().initial(request, *args, **kwargs)

    @extend_schema(request=BatchIn, responses={
        200: BatchOut, 400: OpenApiResponse(description=gettext_lazy("批次格式错误或超过 1000 条")),
        401: OpenApiResponse(description=gettext_lazy("缺少、无效或已吊销的设备接入令牌"))}, tags=["eldercare"],
                   summary="报送智能设备事件（服务商令牌）")
    def post(self, request):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list):
            return Response({"events": [_("请提供事件列表 events。")]}, status=status.HTTP_400_BAD_REQUEST)
        if len(events) > svc.MAX_BATCH:
            return Response({"events": [_("一批最多 %(n)d 条事件，本批 %(got)d 条。") % {
                "n": svc.MAX_BATCH, "got": len(events)}]}, status=status.HTTP_400_BAD_REQUEST)
        result = svc.device_events_ingest(token=request.auth, events=events)
        return Response(result.as_dict(), status=status.HTTP_200_OK)


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover
    OpenApiAuthenticationExtension = None

if OpenApiAuthenticationExtension is not None:
    class DeviceTokenScheme(OpenApiAuthenticationExtension):
        target_class = "eldercare.api.devices.DeviceTokenAuthentication"
        name = "deviceTokenAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": 'A provider\'s device ingestion key, prefix "Token": Token dev_<prefix>_<secret>'}


# --- alarms and visit plans: the pages' operations, with the same capabilities -------------------------

from drf_spectacular.utils import extend_schema_view  # noqa: E402
from rest_framework import viewsets  # noqa: E402
from rest_framework.decorators import action  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402

from civilaffairs.api.errors import service_errors  # noqa: E402
from civilaffairs.api.permissions import capability_required  # noqa: E402

from .. import selectors_visits as sel  # noqa: E402
from ..capabilities import HANDLE_ALARM, VISIT  # noqa: E402
from ..models import ALARM_OPEN_STATUSES, Alarm, AlarmOutcome, Health, Need, Risk, Safety, VisitMode, VisitPlan  # noqa: E402
from ..services import alarms as alarm_svc  # noqa: E402
from ..services import visits as visit_svc  # noqa: E402


def _errors(*codes: int) -> dict:
    text = {400: gettext_lazy("请求不符合办理规则（返回中文原因）"), 403: gettext_lazy("无权执行该操作"),
            404: gettext_lazy("对象不存在或不在辖区内"), 409: gettext_lazy("状态已变化，请刷新后重试")}
    return {code: OpenApiResponse(description=text[code]) for code in codes}


class AlarmOut(serializers.ModelSerializer):
    elder_name = serializers.CharField(source="person.name")
    device_serial = serializers.CharField(source="device.serial")

    class Meta:
        model = Alarm
        fields = ["id", "elder_name", "device_serial", "community_id", "kind", "status", "value", "opened_at",
                  "first_event_at", "last_event_at", "event_count", "due_at", "escalated_at", "acknowledged_at",
                  "closed_at", "outcome", "note"]


class AlarmNoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AlarmCloseIn(AlarmNoteIn):
    outcome = serializers.ChoiceField(choices=AlarmOutcome.choices)


@extend_schema_view(list=extend_schema(summary="设备告警列表（默认未关闭）", tags=["eldercare"]),
                    retrieve=extend_schema(summary="设备告警详情", tags=["eldercare"], responses={
                        200: AlarmOut, **_errors(404)}))
class AlarmViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Alarm.objects.none()
    serializer_class = AlarmOut
    permission_classes = [IsAuthenticated, capability_required(HANDLE_ALARM)]

    def get_queryset(self):
        alarms = sel.alarms_for_user(user=self.request.user).order_by("-opened_at", "-id")
        if self.action == "list" and self.request.query_params.get("status") != "all":
            alarms = alarms.filter(status__in=ALARM_OPEN_STATUSES)
        return alarms

    def get_object(self):
        return sel.alarm_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=AlarmNoteIn, responses={200: AlarmOut, **_errors(400, 403, 404, 409)},
                   summary="响应告警", tags=["eldercare"])
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alarm = self.get_object()
        body = AlarmNoteIn(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            alarm_svc.alarm_acknowledge(actor=request.user, alarm_id=alarm.pk, **body.validated_data)
        return Response(AlarmOut(self.get_object()).data)

    @extend_schema(request=AlarmCloseIn, responses={200: AlarmOut, **_errors(400, 403, 404, 409)},
                   summary="关闭告警（填写处置结果）", tags=["eldercare"])
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        alarm = self.get_object()
        body = AlarmCloseIn(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            alarm_svc.alarm_close(actor=request.user, alarm_id=alarm.pk, **body.validated_data)
        return Response(AlarmOut(self.get_object()).data)


class VisitPlanOut(serializers.ModelSerializer):
    elder_name = serializers.CharField(source="person.name")
    visited_this_week = serializers.BooleanField(source="visited_week")
    visitor = serializers.CharField(source="visitor_label")

    class Meta:
        model = VisitPlan
        fields = ["id", "elder_name", "community_id", "arrangement", "risk_level", "interval_days", "visitor",
                  "status", "starts_on", "ends_on", "last_visit_at", "visited_this_week"]


class VisitIn(serializers.Serializer):
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    visited_at = serializers.DateTimeField()
    health = serializers.ChoiceField(choices=Health.choices)
    safety = serializers.ChoiceField(choices=Safety.choices)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices), required=False, max_length=10)
    risks = serializers.ListField(child=serializers.ChoiceField(choices=Risk.choices), required=False, max_length=10)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    visited_at = serializers.DateTimeField()
    mode = serializers.CharField()
    risks = serializers.ListField(child=serializers.CharField())


@extend_schema_view(list=extend_schema(summary="我的巡访（指派给我或本社区未指派的在册计划）", tags=["eldercare"]),
                    retrieve=extend_schema(summary="巡访计划详情", tags=["eldercare"], responses={
                        200: VisitPlanOut, **_errors(404)}))
class VisitPlanViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = VisitPlan.objects.none()
    serializer_class = VisitPlanOut
    permission_classes = [IsAuthenticated, capability_required(VISIT)]

    def get_queryset(self):
        return sel.plans_due_for(user=self.request.user, capability=VISIT).order_by("community_id", "person_id")

    def get_object(self):
        plan = sel.plan_get_for_user(user=self.request.user, pk=self.kwargs["pk"], capability=VISIT)
        plan.visited_week = sel.plans_for_user(user=self.request.user, capability=VISIT).filter(
            pk=plan.pk).values_list("visited_week", flat=True).first() or False
        return plan

    @extend_schema(request=VisitIn, responses={201: VisitOut, **_errors(400, 403, 404, 409)},
                   summary="登记巡访记录", tags=["eldercare"])
    @action(detail=True, methods=["post"])
    def visit(self, request, pk=None):
        plan = self.get_object()
        body = VisitIn(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            visit = visit_svc.visit_record(actor=request.user, plan_id=plan.pk, **body.validated_data)
        return Response(VisitOut(visit).data, status=status.HTTP_201_CREATED)
