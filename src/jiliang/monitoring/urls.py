"""Pages of the `monitoring` app, inside the `monitoring` namespace (mounted at /energy/)."""

from django.urls import URLPattern

app_name = "monitoring"
urlpatterns: list[URLPattern] = []
