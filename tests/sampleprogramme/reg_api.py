"""A tiny read-only API under /api/v1/sample/: a viewset (on the API root) and a plain path,
with a choice set named in the schema."""
from django.db import models
from django.urls import path
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from civilaffairs import programmes


class SampleKind(models.TextChoices):
    ALPHA = "alpha", "甲"
    BETA = "beta", "乙"


class ThingSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=SampleKind.choices)


THINGS = [{"code": "s-1", "kind": SampleKind.ALPHA}, {"code": "s-2", "kind": SampleKind.BETA}]


class ThingViewSet(viewsets.ViewSet):
    """A static list: the sample programme has no tables."""

    serializer_class = ThingSerializer

    def list(self, request):
        return Response(ThingSerializer(THINGS, many=True).data)


class PingView(APIView):
    serializer_class = ThingSerializer

    def get(self, request):
        return Response(ThingSerializer(THINGS[0]).data)


router = SimpleRouter()
router.register("things", ThingViewSet, basename="sample-thing")
paths = [path("ping/", PingView.as_view(), name="sample-ping")]


def register() -> None:
    programmes.register_api("sample", router=router, urlpatterns=paths)
    programmes.register_api_enum_names("sample", {"SampleKindEnum": "tests.sampleprogramme.reg_api.SampleKind"})


def unregister() -> None:
    programmes.unregister_api("sample")
    programmes.unregister_api_enum_names("sample")
