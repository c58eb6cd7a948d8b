"""Assistance endpoints, mounted under /api/v1/assistance/ (registered in ``AssistanceConfig.ready``)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("applications", views.ApplicationViewSet, basename="assistance-application")
router.register("reports", views.ReportViewSet, basename="assistance-report")
router.register("benefits", views.BenefitViewSet, basename="assistance-benefit")
router.register("price-subsidy-rounds", views.PriceSubsidyRoundViewSet, basename="assistance-subsidy")
router.register("reviews", views.ReviewViewSet, basename="assistance-review")

# One household's assistance at a glance: /api/v1/assistance/households/<id>/.
paths = [
    path("households/<int:household_id>/", views.HouseholdAssistanceView.as_view(), name="household-assistance"),
]
