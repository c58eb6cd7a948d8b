app_name = "eldercare"

# One block per area (elders, assessment, allowances and credit, visits, devices and alarms):
# ``from .views import <area>`` and ``path(...)`` entries.
urlpatterns: list = []

# --- visits, devices and alarms (area D) -----------------------------------------------------------
from django.urls import path  # noqa: E402

from .views import devices as device_views, visits as visit_views  # noqa: E402

urlpatterns += [
    path("visits/due/", visit_views.visits_due, name="visits_due"),
    path("visits/plans/", visit_views.plan_list, name="visit_plan_list"),
    path("visits/plans/community/", visit_views.plan_community, name="visit_plan_community"),
    path("visits/plans/<int:pk>/", visit_views.plan_detail, name="visit_plan_detail"),
    path("visits/plans/<int:pk>/assign/", visit_views.plan_assign, name="visit_plan_assign"),
    path("visits/plans/<int:pk>/visit/", visit_views.visit_record, name="visit_record"),
    path("devices/", device_views.device_list, name="device_list"),
    path("devices/new/", device_views.device_register, name="device_register"),
    path("devices/<int:pk>/retire/", device_views.device_retire, name="device_retire"),
    path("devices/tokens/", device_views.token_list, name="device_token_list"),
    path("devices/tokens/<int:pk>/revoke/", device_views.token_revoke, name="device_token_revoke"),
    path("alarms/", device_views.alarm_list, name="alarm_list"),
    path("alarms/<int:pk>/", device_views.alarm_detail, name="alarm_detail"),
    path("alarms/<int:pk>/acknowledge/", device_views.alarm_acknowledge, name="alarm_acknowledge"),
    path("alarms/<int:pk>/close/", device_views.alarm_close, name="alarm_close"),
]
