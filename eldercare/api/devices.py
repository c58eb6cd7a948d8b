"""The device-event ingestion endpoint (area D): ``POST /api/v1/eldercare/device-events/``,
authenticated by a provider's ingestion key (``Authorization: Token dev_…``), never by a user
session. Validation per event and storage are the service's (``services.devices``)."""
from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
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
    device = serializers.CharField(help_text="设备编号")
    event_id = serializers.CharField(help_text="设备侧事件编号（同一设备内唯一，重复报送视为重复）")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    value = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True,
                                     help_text="心率/呼吸（次/分）、无活动（小时）、离床（分钟）")
    occurred_at = serializers.DateTimeField(help_text="发生时间，ISO 8601，含时区")


class BatchIn(serializers.Serializer):
    events = EventIn(many=True, help_text=f"至多 {svc.MAX_BATCH} 条")


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

    @extend_schema(request=BatchIn, responses={200: BatchOut}, tags=["eldercare"],
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
