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
# --- visits, devices and alarms (area D) -----------------------------------------------------------
from django.urls import path  # noqa: E402

from .devices import AlarmViewSet, DeviceEventsView, VisitPlanViewSet  # noqa: E402

router.register("alarms", AlarmViewSet, basename="eldercare-alarm")
router.register("visit-plans", VisitPlanViewSet, basename="eldercare-visit-plan")
paths += [path("device-events/", DeviceEventsView.as_view(), name="device-events")]
