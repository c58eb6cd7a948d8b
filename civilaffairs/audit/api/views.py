"""Audit API: read-only, for holders of the view_audit right, within their regions."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.api.permissions import capability_required

from ..models import AuditEvent
from . import serializers as s


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("动作"))
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith", label=_("动作前缀"))
    object_type = django_filters.CharFilter(label=_("对象类型"))
    object_id = django_filters.CharFilter(label=_("对象编号"))
    actor = django_filters.NumberFilter(field_name="actor_id", label=_("操作人编号"))
    region = django_filters.CharFilter(field_name="region_code", lookup_expr="startswith", label=_("区划代码前缀"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label=_("起始时间"))
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label=_("截止时间"))

    class Meta:
        model = AuditEvent
        fields = ["action", "action_prefix", "object_type", "object_id", "actor", "region", "created_after",
                  "created_before"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.none()
    serializer_class = s.AuditEventOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.VIEW_AUDIT)]
    filterset_class = AuditEventFilterSet

    def get_queryset(self):
        return scope_queryset(AuditEvent.objects.all(), self.request.user,
                              capability=Capability.VIEW_AUDIT).order_by("-created_at", "-id")
