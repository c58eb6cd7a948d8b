from django.urls import path

from . import views

app_name = "worklist"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/start/", views.item_start, name="start"),
    path("<int:pk>/release/", views.item_release, name="release"),
    path("<int:pk>/complete/", views.item_complete, name="complete"),
    path("<int:pk>/cancel/", views.item_cancel, name="cancel"),
]
