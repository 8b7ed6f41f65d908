from django.urls import path  # noqa: F401 - routes are added by the accounts issue

app_name = "accounts"

urlpatterns: list = []
