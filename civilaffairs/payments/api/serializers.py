from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from django.utils.translation import gettext_lazy as _

from ..models import PaymentLine, PaymentRoll
from ..services import ROLL_MONTH


class PaymentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentLine
        fields = ["id", "roll", "programme", "category", "entitlement", "person", "household", "period", "amount",
                  "kind", "reverses", "status", "attempts", "failure_reason", "paid_at", "marked_by", "created_at"]


class RollTotalsSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    pending = serializers.IntegerField()
    paid = serializers.IntegerField()
    failed = serializers.IntegerField()
    suspended = serializers.IntegerField()
    reversals = serializers.IntegerField()


class RollOutputSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = PaymentRoll
        fields = ["id", "district", "district_name", "programme", "month", "status", "generated_at", "generated_by",
                  "changed_by", "approved_by", "approved_at", "exported_by", "exported_at"]


class RollDetailOutputSerializer(RollOutputSerializer):
    totals = serializers.SerializerMethodField()

    class Meta(RollOutputSerializer.Meta):
        fields = [*RollOutputSerializer.Meta.fields, "totals"]

    @extend_schema_field(RollTotalsSerializer)
    def get_totals(self, obj):
        return RollTotalsSerializer(self.context["totals"]).data


class RollGenerateInputSerializer(serializers.Serializer):
    district = serializers.RegexField(r"^\d{6}$", label=_("区县代码"),
                                      error_messages={"invalid": _("区县代码应为 6 位数字。")})
    month = serializers.DateField(label=_("发放月份"), help_text=_("该月任意一天，按当月1日处理"),
                                  validators=[ROLL_MONTH.validator()])
    programme = serializers.CharField(required=False, allow_blank=True, default="", max_length=32,
                                      label=_("项目（空：全部项目）"))


class RollGenerateOutputSerializer(serializers.Serializer):
    rolls = RollOutputSerializer(many=True)
    lines_created = serializers.IntegerField()


class PaymentMarkInputSerializer(serializers.Serializer):
    paid = serializers.BooleanField(label=_("是否到账"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                   label=_("失败原因"))


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label=_("冲正原因"))
