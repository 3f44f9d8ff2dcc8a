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
    path(
        "records/standards/new/", edit_views.record_form, {"kind": "standards"}, name="standard_new"
    ),
    path(
        "records/standards/<int:pk>/edit/",
        edit_views.record_form,
        {"kind": "standards"},
        name="standard_edit",
    ),
    path(
        "records/materials/new/", edit_views.record_form, {"kind": "materials"}, name="material_new"
    ),
    path(
        "records/materials/<int:pk>/edit/",
        edit_views.record_form,
        {"kind": "materials"},
        name="material_edit",
    ),
    path("records/people/new/", edit_views.record_form, {"kind": "people"}, name="person_new"),
    path(
        "records/people/<int:pk>/edit/",
        edit_views.record_form,
        {"kind": "people"},
        name="person_edit",
    ),
]
