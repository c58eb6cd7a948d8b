from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
]
