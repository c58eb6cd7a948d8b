app_name = "eldercare"

# One block per area (elders, assessment, allowances and credit, visits, devices and alarms):
# ``from .views import <area>`` and ``path(...)`` entries.
urlpatterns: list = []
