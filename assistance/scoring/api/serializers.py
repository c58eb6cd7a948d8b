from rest_framework import serializers

from ..models import HouseholdScore, Lead


class DimensionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.DecimalField(max_digits=4, decimal_places=3)
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=5, decimal_places=2)
    text = serializers.CharField()


class HouseholdScoreOutputSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model_version.version")
    verdict = serializers.CharField()
    dimensions = DimensionSerializer(many=True)

    class Meta:
        model = HouseholdScore
        exclude = ["run"]


class LeadOutputSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model_version.version")

    class Meta:
        model = Lead
        fields = ["id", "household", "community_id", "kind", "status", "model_version", "difficulty_index", "colour",
                  "main_type", "per_capita_income", "standard", "raised_at", "due_at", "closed_at", "outcome",
                  "outcome_reason"]
