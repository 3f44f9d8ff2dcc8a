"""Pages of the `market` app, inside the `market` namespace (mounted at /market/)."""

from django.urls import URLPattern

app_name = "market"
urlpatterns: list[URLPattern] = []
