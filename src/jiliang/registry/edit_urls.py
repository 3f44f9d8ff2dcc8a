"""Pages that create and change registry records one at a time (issue 13 §1), namespace `records`."""

from django.urls import URLPattern, path

from jiliang.registry import edit_views

app_name = "records"
urlpatterns: list[URLPattern] = [
    path("records/instruments/new/", edit_views.instrument_new, name="instrument_new"),
    path("records/instruments/<int:pk>/edit/", edit_views.instrument_edit, name="instrument_edit"),
    path(
        "records/instruments/<int:pk>/state/", edit_views.instrument_state, name="instrument_state"
    ),
    path("records/customers/new/", edit_views.customer_new, name="customer_new"),
]
