from django.urls import path  # noqa: F401 - routes are added by the wallet issue

app_name = "wallet"

urlpatterns: list = []
