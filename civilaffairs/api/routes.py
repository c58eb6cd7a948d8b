"""/api/v1/: one router collecting every app's viewsets, so the API root lists them all.

The platform's routers come first; each programme's registered routes
(``civilaffairs.programmes.register_api``) are mounted under ``/api/v1/<programme>/``; the JSON
catch-all 404 comes last."""
from django.http import JsonResponse
from django.urls import include, path, re_path
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter

from civilaffairs import programmes
from civilaffairs.audit.api.urls import router as audit_router
from civilaffairs.payments.api.urls import router as payments_router
from civilaffairs.registry.api.urls import router as registry_router
from civilaffairs.worklist.api.urls import router as worklist_router

router = DefaultRouter()
for app_router in (registry_router, worklist_router, audit_router, payments_router):
    router.registry.extend(app_router.registry)
programme_paths = []
for routes in programmes.api_routes():
    for prefix, viewset, basename in routes.viewsets:
        router.register(f"{routes.programme}/{prefix}", viewset, basename=basename)
    if routes.urlpatterns:
        programme_paths.append(path(f"{routes.programme}/", include(list(routes.urlpatterns))))


def not_found(request, *args, **kwargs):
    """An API path that matches no route (``/households/1.5/``: the router's ids take no dot) answers
    the API's JSON 404, not the site's HTML page. Only paths ending in a slash: the others are still
    redirected to their slashed form first (APPEND_SLASH)."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


urlpatterns = router.urls + programme_paths + [re_path(r"^(?P<rest>.*)/$", not_found, name="not-found")]
