from django.urls import path  # noqa: F401

app_name = "taximeters"
urlpatterns: list[object] = []
