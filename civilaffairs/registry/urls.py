from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/members/<int:person_pk>/reveal-id/", views.member_reveal_id,
         name="member_reveal_id"),
]
