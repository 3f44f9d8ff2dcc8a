"""Pages of the `services` app, inside the `services` namespace (mounted at /services/)."""

from django.urls import URLPattern, path

from jiliang.services import filing_views, views

app_name = "services"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("apply/<slug:kind_key>/", views.apply, name="apply"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("cases/<int:pk>/materials/<int:material_id>/", views.material, name="material"),
    path("cases/<int:pk>/<slug:action>/", views.act, name="act"),
    path("queue/", views.regulator_queue, name="queue"),
    path("patterns/", views.patterns, name="patterns"),
    path("filing/", filing_views.filing_list, name="filing"),
    path("filing/template.xlsx", filing_views.template, name="filing_template"),
    path("filing/one/", filing_views.file_one, name="file_one"),
    path("filing/upload/", filing_views.upload, name="filing_upload"),
    path("filing/<int:pk>/book/", filing_views.book, name="book"),
    path("filing/<int:pk>/refile/", filing_views.refile, name="refile"),
]
