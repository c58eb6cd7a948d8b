"""Read-only API: a household's current score with its explanation, and leads in scope."""
from django.http import Http404
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from civilaffairs.portal.access import is_caseworker

from .. import selectors
from .serializers import HouseholdScoreOutputSerializer, LeadOutputSerializer


class IsCaseworker(BasePermission):
    def has_permission(self, request, view):
        return is_caseworker(request.user)


class HouseholdScoreApi(APIView):
    permission_classes = [IsAuthenticated, IsCaseworker]
    serializer_class = HouseholdScoreOutputSerializer

    def get(self, request, pk: int):
        household = selectors.household_for_user(user=request.user, pk=pk)
        score = selectors.score_for_household(household_id=household.pk)
        if score is None:
            raise Http404
        score.verdict = selectors.verdict(score)
        score.dimensions = selectors.explain(score, score.model_version)
        return Response(HouseholdScoreOutputSerializer(score).data)


class LeadListApi(ListAPIView):
    permission_classes = [IsAuthenticated, IsCaseworker]
    serializer_class = LeadOutputSerializer

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user, status=self.request.query_params.get("status", "open"))
