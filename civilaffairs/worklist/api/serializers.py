from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ItemStatus, WorkItem
from ..sources import subject_url_for


class WorkItemOutputSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    subject_url = serializers.SerializerMethodField(help_text=_("办理对象（家庭、人员、案件）的页面，该页面自行校验辖区"))

    class Meta:
        model = WorkItem
        fields = ["id", "kind", "title", "detail", "region", "region_name", "subject_type", "subject_id", "subject_url",
                  "link", "due_at", "priority", "assignee", "status", "outcome", "escalated", "is_overdue",
                  "created_at", "updated_at", "closed_at"]

    def get_subject_url(self, obj) -> str | None:
        urls = self.context.get("subject_urls")  # a page of items: one lookup per source (the viewset)
        return urls.get(obj.pk) if urls is not None else subject_url_for(obj)


class TransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(label=_("目标状态"), choices=ItemStatus.choices)
    outcome = serializers.CharField(label=_("办理结果"), max_length=4000, required=False, allow_blank=True,
                                    default="")
    resolution = serializers.CharField(
        label=_("业务结论代码"), max_length=32, required=False, allow_blank=True, default="",
        help_text=_("事项由业务记录生成时，办结所需的业务结论，如主动发现线索的核实结果（included、false_alarm 等）"))
