"""Payments endpoints; collected into /api/v1/ by ``civilaffairs.api.routes``."""
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("payments/rolls", views.PaymentRollViewSet, basename="payments-roll")
router.register("payments/lines", views.PaymentViewSet, basename="payments-line")
router.register("payments/bank-accounts", views.BankAccountViewSet, basename="payments-bank-account")

urlpatterns = router.urls
