from __future__ import annotations

from rest_framework import serializers

from ..models import AuditEvent


class AuditEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "actor_label", "action", "object_type", "object_id", "region_code",
                  "before", "after", "request_id", "ip_address"]
