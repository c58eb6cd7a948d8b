from django.urls import path

from .views import HouseholdScoreApi, LeadListApi

urlpatterns = [
    path("households/<int:pk>/", HouseholdScoreApi.as_view(), name="api_household_score"),
    path("leads/", LeadListApi.as_view(), name="api_lead_list"),
]
