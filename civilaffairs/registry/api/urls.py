"""Registry endpoints; collected into /api/v1/ by ``civilaffairs.api.routes``."""
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("persons", views.PersonViewSet, basename="person")
router.register("department-records", views.DepartmentRecordViewSet, basename="department-record")
router.register("department-batches", views.DepartmentBatchViewSet, basename="department-batch")
router.register("parameters", views.ParameterViewSet, basename="parameter")

urlpatterns = router.urls
