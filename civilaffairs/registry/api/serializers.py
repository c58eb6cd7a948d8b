"""Registry API shapes. Input and output serializers are separate; outputs carry masked
identifiers only (the plain ID number leaves only through the audited reveal endpoint)."""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Department, DepartmentRecord, Household, HouseholdMember, ImportBatch, Person, PolicyParameter, RecordKind,
    Region,
)
from ..parameters import KEY_CHOICES

# --- Regions, households, persons -----------------------------------------------------------


class RegionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "is_active"]


class HouseholdOutputSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "community", "community_name", "head_name", "address", "residence_type", "urban_rural",
                  "member_count", "updated_at"]


class HouseholdMemberOutputSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(source="person.id", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True)
    id_number_masked = serializers.CharField(source="person.id_number_masked", read_only=True)
    phone_masked = serializers.CharField(source="person.phone_masked", read_only=True)
    gender = serializers.CharField(source="person.gender", read_only=True)

    class Meta:
        model = HouseholdMember
        fields = ["person_id", "name", "relation", "id_number_masked", "phone_masked", "gender", "joined_on"]


class HouseholdDetailOutputSerializer(HouseholdOutputSerializer):
    members = serializers.SerializerMethodField()

    class Meta(HouseholdOutputSerializer.Meta):
        fields = [*HouseholdOutputSerializer.Meta.fields, "members"]

    @extend_schema_field(HouseholdMemberOutputSerializer(many=True))
    def get_members(self, obj):
        return HouseholdMemberOutputSerializer(self.context["members"], many=True).data


class RevealInputSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("查看事由"), max_length=200, required=False, allow_blank=True, default="")


class RevealOutputSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    id_number = serializers.CharField()


class PersonOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "id_number_masked", "gender", "phone_masked", "registered_region", "death_date"]


# --- Department data ---------------------------------------------------------------------------


class DepartmentRecordOutputSerializer(serializers.ModelSerializer):
    person_id_number_masked = serializers.CharField(source="person.id_number_masked", read_only=True,
                                                    allow_null=True, default=None)

    class Meta:
        model = DepartmentRecord
        fields = ["id", "person", "person_id_number_masked", "source", "kind", "period_start", "period_end",
                  "amount", "attributes", "batch", "created_at", "status", "superseded_by", "ended_at"]


class BatchErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("CSV 物理行号 / Excel 行号（表头为第 1 行）；JSON 为第几条记录（从 1 起）"))
    field = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()


class BatchOutputSerializer(serializers.ModelSerializer):
    errors = BatchErrorSerializer(many=True, read_only=True, help_text=_("最多列出前 1000 条，按行号排列"))
    errors_not_listed = serializers.IntegerField(read_only=True, help_text=_("未列出的错误行数"))
    unmatched_lines = serializers.ListField(
        child=serializers.IntegerField(), read_only=True,
        help_text=_("身份证号码未匹配到登记人员的行号（记录已导入但未关联到人员），最多列出前 1000 行"))

    class Meta:
        model = ImportBatch
        fields = ["id", "action", "source", "channel", "file_name", "status", "total_rows", "loaded_rows",
                  "duplicate_rows", "superseded_rows", "revoked_rows", "error_rows", "errors", "errors_not_listed",
                  "unmatched_rows", "unmatched_lines", "content_sha256", "created_at", "finished_at"]



class BatchListOutputSerializer(BatchOutputSerializer):
    class Meta(BatchOutputSerializer.Meta):
        fields = [f for f in BatchOutputSerializer.Meta.fields if f not in ("errors", "unmatched_lines")]


class BatchFileInputSerializer(serializers.Serializer):
    source = serializers.ChoiceField(label=_("来源部门"), choices=Department.choices)
    file = serializers.FileField(label=_("数据文件"), help_text=_("CSV（UTF-8/GB18030）或 .xlsx"))

    def validate_file(self, upload):
        limit = settings.DEPARTMENT_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(
                _("文件过大（%(size).1f MB），单个批次不能超过 %(limit).1f MB，请拆分后分批上传。")
                % {"size": upload.size / 1048576, "limit": limit / 1048576})
        return upload


class RecordRowDoc(serializers.Serializer):
    """Documents one JSON record; rows are validated by the import service, line by line."""

    id_number = serializers.CharField(help_text=_("18 位身份证号"))
    name = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=RecordKind.choices, help_text=_("类别代码或中文名称"))
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    attributes = serializers.DictField(required=False)


@extend_schema_field(RecordRowDoc(many=True))
class RecordsField(serializers.ListField):
    pass


class BatchRecordsInputSerializer(serializers.Serializer):
    source = serializers.ChoiceField(label=_("来源部门"), choices=Department.choices)
    records = RecordsField(child=serializers.DictField(), allow_empty=False, max_length=200_000)


class RevokeRowDoc(serializers.Serializer):
    """Names one fact to revoke, by the columns of its identity."""

    id_number = serializers.CharField(help_text=_("18 位身份证号"))
    kind = serializers.ChoiceField(choices=RecordKind.choices, help_text=_("类别代码或中文名称"))
    period_start = serializers.DateField()
    attributes = serializers.DictField(required=False, help_text=_("有关键属性的类别（如医疗支出的票据号）须给出该属性"))


@extend_schema_field(RevokeRowDoc(many=True))
class RevokeRecordsField(serializers.ListField):
    pass


class BatchRevokeInputSerializer(serializers.Serializer):
    source = serializers.ChoiceField(label=_("来源部门"), choices=Department.choices)
    records = RevokeRecordsField(child=serializers.DictField(), allow_empty=False, max_length=100_000)


# --- Policy parameters -------------------------------------------------------------------------


class ParameterOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyParameter
        fields = ["id", "key", "region", "value", "effective_from", "effective_to", "note"]


class ParameterValueQuerySerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=KEY_CHOICES, help_text=_("参数键"))
    region = serializers.RegexField(r"^\d{2,12}$", help_text=_("区划代码"),
                                    error_messages={"invalid": _("区划代码应为 2–12 位数字。")})
    on = serializers.DateField(required=False, help_text=_("日期（默认今天）"))

    def validate_region(self, value):
        if not Region.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("区划代码 %(code)s 不存在。") % {"code": value})
        return value


class ParameterValueOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    requested_region = serializers.CharField()
    on = serializers.DateField()
    region = serializers.CharField(help_text=_("取值所在的区域（本级或上级）"))
    region_name = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    row_id = serializers.IntegerField()
