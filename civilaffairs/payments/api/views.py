"""/api/v1/payments/: rolls and lines of every programme."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, user_can
from civilaffairs.api.errors import service_errors
from civilaffairs.api.permissions import capability_required

from .. import selectors, services as svc
from ..models import LineStatus, PaymentLine, PaymentRoll
from ..sources import source_for
from ..workflow import ROLL_TRANSITIONS
from . import serializers as s


@extend_schema_view(
    list=extend_schema(summary="发放名册列表（各项目）"),
    retrieve=extend_schema(summary="发放名册（含合计；明细见 lines）", responses={200: s.RollDetailOutputSerializer}),
)
class PaymentRollViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly payment rolls of the districts in the caller's jurisdiction, every programme."""

    queryset = PaymentRoll.objects.none()
    serializer_class = s.RollOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.VIEW_HOUSEHOLDS)]
    filterset_fields = ["status", "month", "district", "programme"]

    def get_queryset(self):
        return selectors.roll_list(user=self.request.user)

    def get_object(self):
        return selectors.roll_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        roll = self.get_object()
        return Response(s.RollDetailOutputSerializer(roll, context={"totals": svc.roll_totals(roll)}).data)

    @extend_schema(responses=s.PaymentOutputSerializer(many=True), filters=False,
                   parameters=[OpenApiParameter("status", str, enum=LineStatus.values,
                                                description=str(gettext_lazy("按发放状态筛选")))],
                   summary="名册明细（分页）")
    @action(detail=True, methods=["get"], filter_backends=[])
    def lines(self, request, pk=None):
        roll = self.get_object()
        qs = roll.lines.order_by("id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in LineStatus.values:
                raise ValidationError({"status": [_("发放状态无效。")]})
            qs = qs.filter(status=wanted)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PaymentOutputSerializer(page, many=True).data)

    @extend_schema(request=s.RollGenerateInputSerializer, responses={200: s.RollGenerateOutputSerializer},
                   filters=False, summary="生成（或补充未审核的）本区县月度发放名册；重复执行不会重复生成")
    @action(detail=False, methods=["post"])
    def generate(self, request):
        body = s.RollGenerateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not user_can(request.user, ROLL_TRANSITIONS["generate"].capability, data["district"]):
            raise PermissionDenied(_("发放名册须由本区县民政部门生成。"))
        if data["programme"] and source_for(data["programme"]) is None:
            raise ValidationError({"programme": [_("项目无效。")]})
        with service_errors():
            if data["programme"]:
                results = [svc.payment_roll_generate(district_code=data["district"], month=data["month"],
                                                     programme=data["programme"], actor=request.user)]
            else:
                results = svc.payment_rolls_generate_district(district_code=data["district"], month=data["month"],
                                                              actor=request.user)
        rolls = [selectors.roll_get_for_user(user=request.user, pk=roll.pk) for roll, _n in results]
        return Response(s.RollGenerateOutputSerializer(
            {"rolls": rolls, "lines_created": sum(n for _r, n in results)}).data)

    @extend_schema(request=None, responses={200: s.RollDetailOutputSerializer}, filters=False,
                   summary="审核发放名册（区县，生成人和最后修改人以外）")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        roll = self.get_object()
        with service_errors():
            svc.payment_roll_approve(actor=request.user, roll_id=roll.pk)
        return self.retrieve(request, pk=pk)

    @extend_schema(request=None, responses={(200, "text/csv"): OpenApiTypes.BINARY}, filters=False,
                   summary="导出银行代发文件（CSV，含完整身份证号和银行账号，记审计）")
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        roll = self.get_object()
        with service_errors():
            data = svc.payment_roll_export(actor=request.user, roll_id=roll.pk)
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="roll-{roll.district_id}-{roll.programme}-'
                                           f'{roll.month:%Y%m}.csv"')
        return response


@extend_schema_view(retrieve=extend_schema(summary="发放明细", responses={200: s.PaymentOutputSerializer}))
class PaymentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One payment line: the bank's result, the retry of a failed line, the reversal (区县)."""

    queryset = PaymentLine.objects.none()
    serializer_class = s.PaymentOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.VIEW_HOUSEHOLDS)]

    def get_object(self):
        return get_scoped_or_404(PaymentLine.objects.select_related("roll"), self.request.user,
                                 capability=Capability.VIEW_HOUSEHOLDS, pk=self.kwargs["pk"])

    @extend_schema(request=s.PaymentMarkInputSerializer, responses={200: s.PaymentOutputSerializer},
                   summary="登记银行发放结果（到账/失败）")
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        line = self.get_object()
        body = s.PaymentMarkInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            line = svc.payment_mark(actor=request.user, payment_id=line.pk, paid=body.validated_data["paid"],
                                    reason=body.validated_data["reason"])
        return Response(s.PaymentOutputSerializer(line).data)

    @extend_schema(request=None, responses={200: s.PaymentOutputSerializer}, summary="重发失败的款项")
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        line = self.get_object()
        with service_errors():
            line = svc.payment_retry(actor=request.user, payment_id=line.pk)
        return Response(s.PaymentOutputSerializer(line).data)

    @extend_schema(request=s.ReverseInputSerializer, responses={201: s.PaymentOutputSerializer},
                   summary="冲正（新增一笔负数明细，原明细保留）")
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        line = self.get_object()
        body = s.ReverseInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            rev = svc.payment_line_reverse(actor=request.user, payment_id=line.pk,
                                           reason=body.validated_data["reason"])
        return Response(s.PaymentOutputSerializer(rev).data, status=201)


class BankAccountViewSet(viewsets.GenericViewSet):
    """The account a household or person is paid into (乡镇及以上，可查看完整身份证号的人员登记)."""

    serializer_class = s.BankAccountOutputSerializer
    permission_classes = [IsAuthenticated, capability_required(Capability.VIEW_HOUSEHOLDS)]

    # 404: the household or person named in the body is no record or outside the jurisdiction.
    @extend_schema(request=s.BankAccountInputSerializer, responses={201: s.BankAccountOutputSerializer, 404: None},
                   summary="登记领款银行账户（加密保存，返回脱敏账号，记审计）")
    def create(self, request):
        from civilaffairs.registry.selectors import household_get_for_user, person_get_for_user

        body = s.BankAccountInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        owner = ({"household": household_get_for_user(user=request.user, pk=data["household"])} if data.get("household")
                 else {"person": person_get_for_user(user=request.user, pk=data["person"])})
        with service_errors():
            acc = svc.bank_account_set(actor=request.user, bank_name=data["bank_name"],
                                       account_number=data["account_number"], **owner)
        return Response(s.BankAccountOutputSerializer(acc).data, status=201)
