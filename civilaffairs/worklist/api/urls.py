from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("worklist/items", views.WorkItemViewSet, basename="workitem")

urlpatterns = router.urls
