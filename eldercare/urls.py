app_name = "eldercare"

# One block per area (elders, assessment, allowances and credit, visits, devices and alarms):
# ``from .views import <area>`` and ``path(...)`` entries.
urlpatterns: list = []

# --- allowances and service credit (area C) ---
from django.urls import path  # noqa: E402

from .views import allowances  # noqa: E402

urlpatterns += [
    path("allowances/", allowances.allowance_list_view, name="allowance_list"),
    path("allowances/<int:pk>/", allowances.allowance_detail, name="allowance_detail"),
    path("allowances/<int:pk>/stop/", allowances.allowance_stop, name="allowance_stop"),
    path("allowances/<int:pk>/confirm-stop/", allowances.allowance_confirm_stop, name="allowance_confirm_stop"),
    path("allowances/<int:pk>/resume/", allowances.allowance_resume, name="allowance_resume"),
]
