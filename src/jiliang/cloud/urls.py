"""Pages of the `cloud` app, inside the `cloud` namespace (mounted at /cloud/)."""

from django.urls import URLPattern

app_name = "cloud"
urlpatterns: list[URLPattern] = []
