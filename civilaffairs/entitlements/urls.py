from django.urls import path

from . import views

app_name = "entitlements"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/<str:key>/", views.rule_detail, name="rule_detail"),
]
