"""Elderly care endpoints, mounted under /api/v1/eldercare/ (registered in ``EldercareConfig.ready``).
Each area registers its viewsets on this one router and adds its plain paths below."""
from rest_framework.routers import SimpleRouter

router = SimpleRouter()

paths: list = []

# --- elders / assessment area (elders helper) ---
from .elders import AssessmentViewSet, ElderViewSet  # noqa: E402

router.register("elders", ElderViewSet, basename="eldercare-elder")
router.register("assessments", AssessmentViewSet, basename="eldercare-assessment")
# --- allowances and service credit (area C) ---
from .allowances import register as _register_allowances  # noqa: E402

_register_allowances(router)
