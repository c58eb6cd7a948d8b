from django.urls import path

from . import dashboard_views, person_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.policy_guide, name="policy_guide"),
    path("guide/self-check/", views.guide_self_check, name="guide_self_check"),
    path("guide/<slug:slug>/", views.guide_entry_page, name="guide_entry"),
    path("guide/<slug:slug>/poster/", views.guide_poster, name="guide_poster"),
    path("me/", views.resident_home, name="resident_home"),
    path("work/", views.caseworker_home, name="caseworker_home"),
    path("manage/", views.admin_home, name="admin_home"),
    path("data-provider/", views.data_provider_home, name="data_provider_home"),
    path("my-role/", views.role_home, name="role_home"),
    path("large-text/", views.large_text, name="large_text"),
    path("dashboards/", dashboard_views.dashboard, name="dashboards"),
    path("dashboards/export/", dashboard_views.dashboard_export_view, name="dashboard_export"),
    path("dashboards/export/<str:name>/", dashboard_views.dashboard_indicator_export, name="dashboard_indicator_export"),
    # the person file (一人一档)
    path("people/<int:pk>/", person_views.person_file, name="person_file"),
    path("people/<int:pk>/purpose/", person_views.person_purpose, name="person_purpose"),
    path("people/<int:pk>/reveal-id/", person_views.person_reveal_id, name="person_reveal_id"),
    path("people/<int:pk>/guardians/add/", person_views.guardian_add, name="guardian_add"),
    path("people/<int:pk>/guardians/<int:link_pk>/end/", person_views.guardian_end, name="guardian_end"),
]
