from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("rolls/", views.roll_list, name="roll_list"),
    path("rolls/<int:pk>/", views.roll_detail, name="roll_detail"),
    path("rolls/<int:pk>/approve/", views.roll_approve, name="roll_approve"),
    path("rolls/<int:pk>/export/", views.roll_export, name="roll_export"),
    path("lines/<int:pk>/mark/", views.line_mark, name="line_mark"),
    path("lines/<int:pk>/retry/", views.line_retry, name="line_retry"),
    path("lines/<int:pk>/reverse/", views.line_reverse, name="line_reverse"),
    # the payee's bank account (a person's, or a household's)
    path("bank-accounts/person/<int:pk>/", views.bank_account_edit, {"owner": "person"}, name="person_bank_account"),
    path("bank-accounts/household/<int:pk>/", views.bank_account_edit, {"owner": "household"},
         name="household_bank_account"),
]
