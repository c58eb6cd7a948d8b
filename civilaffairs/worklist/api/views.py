"""Worklist API: the caller's items (same scope as the worklist page) and state transitions."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from civilaffairs.accounts.roles import Capability
from civilaffairs.api.errors import service_errors
from civilaffairs.api.permissions import capability_required

from ..models import ItemStatus, WorkItem
from ..selectors import workitem_get_for_user, worklist_for_user
from ..services import workitem_transition
from ..sources import subject_urls_for
from . import serializers as s


class WorkItemFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ItemStatus.choices, label=_("状态（默认只列未办结）"))
    kind = django_filters.CharFilter(label=_("类型"))
    # ``region__code``, not ``region_id``: a foreign key takes no ``startswith`` (that was a FieldError, a 500,
    # for every value); Django trims the join, so this is still a LIKE on the item's own column.
    region = django_filters.CharFilter(field_name="region__code", lookup_expr="startswith", label=_("区划代码前缀"))

    class Meta:
        model = WorkItem
        fields = ["status", "kind", "region"]


class WorkItemViewSet(viewsets.ReadOnlyModelViewSet):
    """To-do items in the caller's jurisdiction: overdue first, then by due time."""

    queryset = WorkItem.objects.none()
    serializer_class = s.WorkItemOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.MANAGE_WORKLIST)]
    filterset_class = WorkItemFilterSet

    def get_queryset(self):
        include_closed = self.action != "list" or bool(self.request.query_params.get("status"))
        return worklist_for_user(user=self.request.user, include_closed=include_closed)

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            args = (list(args[0]), *args[1:])
            kwargs["context"] = {**self.get_serializer_context(), "subject_urls": subject_urls_for(args[0])}
        return super().get_serializer(*args, **kwargs)

    def get_object(self):
        return workitem_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=s.TransitionInputSerializer,
        responses={200: s.WorkItemOutputSerializer, 400: OpenApiResponse(description=_("不允许的状态变更或缺少办理结果")),
                   403: OpenApiResponse(description=_("无权处理")), 404: OpenApiResponse(description=_("不在辖区内"))},
        summary="变更待办状态",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        item = self.get_object()
        body = s.TransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            item = workitem_transition(item_id=item.pk, actor=request.user, **body.validated_data)
        return Response(s.WorkItemOutputSerializer(workitem_get_for_user(user=request.user, pk=item.pk)).data)
