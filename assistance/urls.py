from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.index, name="index"),
    # resident: apply online, own applications (the inbox is the platform's: notifications:list)
    path("apply/", views.apply_start, name="apply"),
    path("apply/<int:pk>/", views.apply_programmes, name="apply_programmes"),
    path("apply/<int:pk>/members/", views.apply_members, name="apply_members"),
    path("apply/<int:pk>/materials/", views.apply_materials, name="apply_materials"),
    path("apply/<int:pk>/review/", views.apply_review, name="apply_review"),
    path("apply/<int:pk>/submit/", views.apply_submit, name="apply_submit"),
    path("mine/", views.my_applications, name="my_applications"),
    # one application, for the resident and the caseworker
    path("applications/", views.application_list_view, name="application_list"),
    path("applications/export/", views.application_export, name="application_export"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/act/<slug:action>/", views.application_act, name="application_act"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/resubmit/", views.application_resubmit, name="application_resubmit"),
    path("applications/<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material_remove"),
    path("materials/<int:pk>/replace/", views.material_replace, name="material_replace"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("decisions/<int:pk>/", views.decision_letter, name="decision_letter"),
    # caseworkers: households, filing on behalf
    path("file/", views.file_search, name="file_search"),
    path("households/<int:pk>/", views.household_360, name="household_360"),
    path("households/<int:household_pk>/apply/", views.apply_on_behalf, name="apply_on_behalf"),
    # price subsidies and reviews (payment rolls: /payments/)
    path("subsidies/", views.subsidy_rounds, name="subsidy_rounds"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/complete/", views.review_complete, name="review_complete"),
]
