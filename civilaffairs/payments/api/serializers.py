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


class BankAccountInputSerializer(serializers.Serializer):
    household = serializers.IntegerField(required=False, allow_null=True, min_value=1, label=_("家庭"))
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1, label=_("个人"))
    bank_name = serializers.CharField(max_length=100, label=_("开户银行"))
    account_number = serializers.CharField(max_length=40, write_only=True, label=_("银行账号"))

    def validate(self, data):
        if bool(data.get("household")) == bool(data.get("person")):
            raise serializers.ValidationError(_("请指定一户家庭或一个人（二选一）。"))
        return data


class BankAccountOutputSerializer(serializers.Serializer):
    """Masked only: the full number leaves the system in the bank file alone."""

    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    bank_name = serializers.CharField()
    account_masked = serializers.CharField()
    is_current = serializers.BooleanField()
    created_at = serializers.DateTimeField()
