"""Read endpoints of the allowances and service credit (area C), under /api/v1/eldercare/: the same
scoped selectors as the pages (out of jurisdiction → 404; organisation staff and residents see none)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated

from civilaffairs.accounts.scoping import user_can

from .. import capabilities as caps
from ..allowance_selectors import LATEST_ENTRIES, allowance_list, credit_account_list, sees_money
from ..models import Allowance, CreditAccount, CreditEntry
from ..views.allowances import AllowanceFilterSet


class CanViewAllowances(BasePermission):
    message = gettext_lazy("您没有查看养老津贴补贴的权限。")

    def has_permission(self, request, view) -> bool:
        return sees_money(request.user) and user_can(request.user, caps.VIEW)


class AllowanceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number_masked = serializers.CharField(source="person.id_number_masked", read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Allowance
        fields = ["id", "person", "person_name", "id_number_masked", "kind", "community_id", "band", "amount",
                  "eligible_month", "from_month", "to_month", "status", "reasons", "stop_reason", "created_at"]
        read_only_fields = fields


class CreditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditEntry
        fields = ["id", "kind", "amount", "period", "reference", "organisation", "note", "created_at"]
        read_only_fields = fields


class CreditAccountSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    latest_entries = serializers.SerializerMethodField()

    class Meta:
        model = CreditAccount
        fields = ["id", "person", "person_name", "community_id", "balance", "latest_entries"]
        read_only_fields = fields

    def get_latest_entries(self, obj) -> list[dict]:
        entries = obj.entries.order_by("-created_at", "-id")[:LATEST_ENTRIES]
        return CreditEntrySerializer(entries, many=True).data


_404 = {404: OpenApiResponse(description="对象不存在或不在辖区内")}


@extend_schema_view(list=extend_schema(summary="养老津贴补贴列表（高龄津贴、护理补贴）"),
                    retrieve=extend_schema(summary="一条养老津贴补贴", responses={200: AllowanceSerializer, **_404}))
class AllowanceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Allowance.objects.none()
    serializer_class = AllowanceSerializer
    permission_classes = [IsAuthenticated, CanViewAllowances]
    filterset_class = AllowanceFilterSet

    def get_queryset(self):
        return allowance_list(user=self.request.user)


@extend_schema_view(list=extend_schema(summary="养老服务额度账户列表"),
                    retrieve=extend_schema(summary="养老服务额度账户（含最近流水）",
                                           responses={200: CreditAccountSerializer, **_404}))
class CreditAccountViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CreditAccount.objects.none()
    serializer_class = CreditAccountSerializer
    permission_classes = [IsAuthenticated, CanViewAllowances]

    def get_queryset(self):
        return credit_account_list(user=self.request.user).order_by("community_id", "person_id")


def register(router) -> None:
    router.register("allowances", AllowanceViewSet, basename="eldercare-allowance")
    router.register("credit-accounts", CreditAccountViewSet, basename="eldercare-credit-account")
