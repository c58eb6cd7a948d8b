"""Registry API: thin views over the scoped selectors and the services."""
from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.api.errors import service_errors
from civilaffairs.api.permissions import CanViewHouseholds, capability_required
from civilaffairs.lib.idnumber import parse_id_number

from .. import selectors
from ..filters import HouseholdFilterSet
from ..facts import schema as fact_schema
from ..imports import department_batch_import, department_facts_revoke
from ..models import (
    HOUSEHOLD_LIST_ORDER, BatchStatus, Department, DepartmentRecord, Household, ImportBatch, Person, PolicyParameter,
    FactStatus, RecordKind, Region, RegionLevel,
)
from ..parameters import BY_KEY
from ..services import person_reveal_id_number
from . import serializers as s

# --- Filters used only by the API (households share the HTML list's HouseholdFilterSet) ----------


class RegionFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", label=_("上级区划代码"))
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("级别"))
    code = django_filters.CharFilter(field_name="code", lookup_expr="startswith", label=_("区划代码前缀"))

    class Meta:
        model = Region
        fields = ["parent", "level", "code"]


def _validate_id_number(value: str) -> None:
    parse_id_number(value)  # raises a ValidationError the FilterSet turns into a 400


class PersonFilterSet(django_filters.FilterSet):
    id_number = django_filters.CharFilter(method="filter_id_number", label=_("身份证号（完整）"),
                                          validators=[_validate_id_number])
    name = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("姓名"))

    class Meta:
        model = Person
        fields = ["id_number", "name"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_digest=selectors.id_digest(value)) if value else queryset


class DepartmentRecordFilterSet(django_filters.FilterSet):
    person = django_filters.NumberFilter(field_name="person_id", label=_("人员编号"))
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("批次号"))
    source = django_filters.ChoiceFilter(choices=Department.choices, label=_("来源部门"))
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices, label=_("类别"))
    period_end_after = django_filters.DateFilter(field_name="period_end", lookup_expr="gte", label=_("期间止不早于"))
    status = django_filters.ChoiceFilter(choices=[*FactStatus.choices, ("all", _("全部（含已更正、已撤销）"))],
                                         method="filter_status", label=_("状态（默认仅现行）"))

    class Meta:
        model = DepartmentRecord
        fields = ["person", "batch", "source", "kind", "period_end_after", "status"]

    @property
    def qs(self):
        queryset = super().qs
        # Only current facts count: superseded and revoked ones are history, listed when asked for.
        if not self.form.is_bound or not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=FactStatus.CURRENT)
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)


class ParameterFilterSet(django_filters.FilterSet):
    key = django_filters.ChoiceFilter(choices=[(k, k) for k in BY_KEY], label=_("参数键"))
    region = django_filters.CharFilter(field_name="region_id", label=_("区划代码"))

    class Meta:
        model = PolicyParameter
        fields = ["key", "region"]


# --- Views ---------------------------------------------------------------------------------------


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrative divisions (public reference data)."""

    queryset = Region.objects.all().order_by("code")
    serializer_class = s.RegionOutputSerializer
    filterset_class = RegionFilterSet


@extend_schema_view(
    retrieve=extend_schema(responses=s.HouseholdDetailOutputSerializer),
)
class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Households in the caller's jurisdiction; a resident sees only their own."""

    queryset = Household.objects.none()
    serializer_class = s.HouseholdOutputSerializer
    permission_classes = [IsAuthenticated, CanViewHouseholds]
    filterset_class = HouseholdFilterSet

    def get_queryset(self):
        return scope_queryset(Household.objects.select_related("community"), self.request.user,
                              capability=Capability.VIEW_HOUSEHOLDS).order_by(
            *HOUSEHOLD_LIST_ORDER)

    def get_object(self):
        return selectors.household_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        household = self.get_object()
        members = selectors.household_members(household=household)
        return Response(s.HouseholdDetailOutputSerializer(household, context={"members": members}).data)

    @extend_schema(
        request=s.RevealInputSerializer,
        responses={200: s.RevealOutputSerializer, 403: OpenApiResponse(description=_("无权查看，已记录审计")),
                   404: OpenApiResponse(description=_("家庭或成员不存在或不在辖区内"))},
        parameters=[OpenApiParameter("person_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        summary="查看成员完整身份证号（审计）",
    )
    @action(detail=True, methods=["post"], url_path=r"members/(?P<person_id>[0-9]+)/reveal-id",
            url_name="reveal-id")
    def reveal_id(self, request, pk=None, person_id=None):
        household = self.get_object()
        member = get_object_or_404(selectors.household_members(household=household), person_id=int(person_id))
        body = s.RevealInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            number = person_reveal_id_number(actor=request.user, person=member.person,
                                             reason=body.validated_data["reason"])
        return Response(s.RevealOutputSerializer({"person_id": member.person_id, "id_number": number}).data)


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    """Persons in the caller's jurisdiction, masked."""

    queryset = Person.objects.none()
    serializer_class = s.PersonOutputSerializer
    permission_classes = [IsAuthenticated, CanViewHouseholds]
    filterset_class = PersonFilterSet

    def get_queryset(self):
        return scope_queryset(Person.objects.all(), self.request.user, capability=Capability.VIEW_HOUSEHOLDS).order_by("id")


class DepartmentRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Department records of persons in the caller's jurisdiction (需“查看部门数据”权限): current facts by
    default; ``status=superseded|revoked|all`` lists the history."""

    queryset = DepartmentRecord.objects.none()
    serializer_class = s.DepartmentRecordOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.VIEW_DEPARTMENT_DATA)]
    filterset_class = DepartmentRecordFilterSet

    def get_queryset(self):
        return scope_queryset(DepartmentRecord.objects.select_related("person"), self.request.user,
                              capability=Capability.VIEW_DEPARTMENT_DATA).order_by("-period_end", "id")


@extend_schema_view(
    list=extend_schema(responses=s.BatchListOutputSerializer(many=True)),
    retrieve=extend_schema(responses=s.BatchOutputSerializer),
)
class DepartmentBatchViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    """Import batches: data providers post files or JSON records and read back their own batches."""

    queryset = ImportBatch.objects.none()
    serializer_class = s.BatchOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.IMPORT_DEPARTMENT_DATA)]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["source", "status"]

    def get_queryset(self):
        qs = ImportBatch.objects.all().order_by("-created_at", "-id")
        if self.request.user.is_superuser:
            return qs
        return qs.filter(submitted_by=self.request.user)

    def get_serializer_class(self):
        return s.BatchListOutputSerializer if self.action == "list" else s.BatchOutputSerializer

    @extend_schema(
        request={"multipart/form-data": s.BatchFileInputSerializer, "application/json": s.BatchRecordsInputSerializer},
        responses={201: s.BatchOutputSerializer,
                   400: OpenApiResponse(s.BatchOutputSerializer,
                                        description=_("请求无法处理：字段错误，或文件无法识别/表头不合规（批次标记为失败）"))},
        summary="提交部门数据批次（文件或 JSON）",
    )
    def create(self, request, *args, **kwargs):
        if request.content_type.startswith("multipart/") or request.content_type.startswith(
                "application/x-www-form-urlencoded"):
            body = s.BatchFileInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            upload = body.validated_data["file"]
            with service_errors():
                batch = department_batch_import(actor=request.user, source=body.validated_data["source"],
                                                channel="api", file_name=upload.name, content=upload)
        else:
            body = s.BatchRecordsInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            with service_errors():
                batch = department_batch_import(actor=request.user, source=body.validated_data["source"],
                                                channel="api", records=body.validated_data["records"])
        code = status.HTTP_400_BAD_REQUEST if batch.status == BatchStatus.FAILED else status.HTTP_201_CREATED
        return Response(s.BatchOutputSerializer(batch).data, status=code)

    @extend_schema(
        request=s.BatchRevokeInputSerializer,
        responses={201: s.BatchOutputSerializer,
                   400: OpenApiResponse(s.BatchOutputSerializer, description=_("字段错误，或没有一条可撤销的现行记录"))},
        summary="撤销本部门已报送的记录（按身份证号、类别、期间起及关键属性）",
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def revoke(self, request):
        body = s.BatchRevokeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            batch = department_facts_revoke(actor=request.user, source=body.validated_data["source"],
                                            records=body.validated_data["records"])
        code = status.HTTP_400_BAD_REQUEST if batch.status == BatchStatus.FAILED else status.HTTP_201_CREATED
        return Response(s.BatchOutputSerializer(batch).data, status=code)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="各类别的字段说明（导入帮助）")
    @action(detail=False, methods=["get"], url_path="kinds", pagination_class=None)
    def kinds(self, request):
        """What each kind means and which attributes it takes (``facts.schema.import_help``)."""
        return Response([{"kind": row.kind, "label": row.label, "shape": row.shape, "amount": row.amount,
                          "attributes": row.attributes} for row in fact_schema.import_help()])


class ParameterViewSet(viewsets.ReadOnlyModelViewSet):
    """Dated, region-scoped policy parameters (public policy values)."""

    queryset = PolicyParameter.objects.select_related("region").order_by("key", "region_id", "-effective_from")
    serializer_class = s.ParameterOutputSerializer
    filterset_class = ParameterFilterSet

    @extend_schema(
        parameters=[s.ParameterValueQuerySerializer],
        responses={200: s.ParameterValueOutputSerializer,
                   400: OpenApiResponse(description=_("参数错误")),
                   404: OpenApiResponse(description=_("该区域在该日期没有取值"))},
        filters=False,
        summary="某区域某日生效的参数取值（含上级继承）",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def value(self, request):
        query = s.ParameterValueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        key, region = query.validated_data["key"], query.validated_data["region"]
        on = query.validated_data.get("on") or timezone.localdate()
        try:
            row = selectors.parameter_row(key=key, region_code=region, on=on)
        except selectors.ParameterMissing:
            raise NotFound(_("区域 %(region)s 在 %(on)s 没有“%(label)s”的取值。")
                           % {"region": region, "on": on.isoformat(), "label": BY_KEY[key].label}) from None
        spec = BY_KEY[key]
        return Response(s.ParameterValueOutputSerializer({
            "key": key, "label": str(spec.label), "unit": spec.unit, "value": row.value,
            "requested_region": region, "on": on, "region": row.region_id, "region_name": row.region.name,
            "effective_from": row.effective_from, "effective_to": row.effective_to, "row_id": row.pk,
        }).data)
