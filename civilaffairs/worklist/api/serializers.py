from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ItemStatus, WorkItem


class WorkItemOutputSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = WorkItem
        fields = ["id", "kind", "title", "detail", "region", "region_name", "subject_type", "subject_id", "link",
                  "due_at", "priority", "assignee", "status", "outcome", "escalated", "is_overdue", "created_at",
                  "updated_at", "closed_at"]


class TransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(label=_("目标状态"), choices=ItemStatus.choices)
    outcome = serializers.CharField(label=_("办理结果"), max_length=4000, required=False, allow_blank=True,
                                    default="")
    resolution = serializers.CharField(
        label=_("业务结论代码"), max_length=32, required=False, allow_blank=True, default="",
        help_text=_("事项由业务记录生成时，办结所需的业务结论，如主动发现线索的核实结果（included、false_alarm 等）"))
