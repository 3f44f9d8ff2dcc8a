"""Pages of the `services` app, inside the `services` namespace (mounted at /services/)."""

from django.urls import URLPattern

app_name = "services"
urlpatterns: list[URLPattern] = []
