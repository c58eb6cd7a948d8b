from django.urls import path  # noqa: F401

app_name = "eldercare"

# One block per area (elders, assessment, allowances and credit, visits, devices and alarms).
urlpatterns: list = []
