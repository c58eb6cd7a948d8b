"""The scoring API, mounted under /api/v1/assistance/scoring/ (registered in ``ScoringConfig.ready``)."""
from django.urls import path

from .views import HouseholdScoreApi, LeadListApi

paths = [
    path("scoring/households/<int:pk>/", HouseholdScoreApi.as_view(), name="scoring-household-score"),
    path("scoring/leads/", LeadListApi.as_view(), name="scoring-lead-list"),
]
