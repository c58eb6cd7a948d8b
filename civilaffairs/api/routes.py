"""/api/v1/: one router collecting every app's viewsets, so the API root lists them all."""
from rest_framework.routers import DefaultRouter

from assistance.api.urls import paths as assistance_paths, router as assistance_router
from civilaffairs.audit.api.urls import router as audit_router
from civilaffairs.registry.api.urls import router as registry_router
from civilaffairs.worklist.api.urls import router as worklist_router

router = DefaultRouter()
for app_router in (registry_router, worklist_router, audit_router, assistance_router):
    router.registry.extend(app_router.registry)

urlpatterns = router.urls + assistance_paths
