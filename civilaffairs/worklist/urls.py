from django.urls import path

app_name = "worklist"

urlpatterns: list = []
