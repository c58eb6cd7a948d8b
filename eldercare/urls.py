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
