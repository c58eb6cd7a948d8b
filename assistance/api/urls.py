"""Assistance endpoints; collected into /api/v1/ by ``civilaffairs.api.routes``."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("assistance/applications", views.ApplicationViewSet, basename="assistance-application")
router.register("assistance/reports", views.ReportViewSet, basename="assistance-report")
router.register("assistance/benefits", views.BenefitViewSet, basename="assistance-benefit")
router.register("assistance/price-subsidy-rounds", views.PriceSubsidyRoundViewSet, basename="assistance-subsidy")
router.register("assistance/reviews", views.ReviewViewSet, basename="assistance-review")

# Not a router entry: it hangs under the registry's ``households/`` prefix.
paths = [
    path("households/<int:household_id>/assistance/", views.HouseholdAssistanceView.as_view(),
         name="household-assistance"),
]

urlpatterns = router.urls + paths
