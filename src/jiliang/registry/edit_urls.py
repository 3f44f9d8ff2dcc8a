"""Pages that create and change registry records one at a time (issue 13 §1), namespace `records`."""

from django.urls import URLPattern

app_name = "records"
urlpatterns: list[URLPattern] = []
