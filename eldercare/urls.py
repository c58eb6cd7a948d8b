app_name = "eldercare"

# One block per area (elders, assessment, allowances and credit, visits, devices and alarms):
# ``from .views import <area>`` and ``path(...)`` entries.
urlpatterns: list = []

# --- elders / assessment area (elders helper) ---
from django.urls import path  # noqa: E402

from .views import assessment as assessment_views  # noqa: E402
from .views import elders as elder_views  # noqa: E402

urlpatterns += [
    path("elders/", elder_views.elder_list, name="elder_list"),
    path("elders/<int:pk>/profile/", elder_views.profile_edit, name="profile_edit"),
    path("elders/<int:pk>/contacts/add/", elder_views.contact_add, name="contact_add"),
    path("elders/<int:pk>/reassessment/", elder_views.reassessment_request, name="reassessment_request"),
    path("elders/<int:pk>/assessments/new/", assessment_views.assessment_start, name="assessment_start"),
    path("contacts/<int:pk>/edit/", elder_views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/remove/", elder_views.contact_remove, name="contact_remove"),
    path("assessments/<int:pk>/", assessment_views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/fill/", assessment_views.assessment_fill, name="assessment_fill"),
    path("assessments/<int:pk>/sign/", assessment_views.assessment_sign, name="assessment_sign"),
    path("assessments/<int:pk>/void/", assessment_views.assessment_void, name="assessment_void"),
]

# --- allowances and service credit (area C) ---
from .views import allowances  # noqa: E402

urlpatterns += [
    path("allowances/", allowances.allowance_list_view, name="allowance_list"),
    path("allowances/<int:pk>/", allowances.allowance_detail, name="allowance_detail"),
    path("allowances/<int:pk>/stop/", allowances.allowance_stop, name="allowance_stop"),
    path("allowances/<int:pk>/confirm-stop/", allowances.allowance_confirm_stop, name="allowance_confirm_stop"),
    path("allowances/<int:pk>/resume/", allowances.allowance_resume, name="allowance_resume"),
]

# --- visits, devices and alarms (area D) -----------------------------------------------------------
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
