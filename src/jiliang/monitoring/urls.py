"""Pages of the `monitoring` app, inside the `monitoring` namespace (mounted at /energy/)."""

from django.urls import URLPattern, path

from jiliang.monitoring import equipping_views, export_views, views

app_name = "monitoring"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("region/", views.region, name="region"),
    path("users/<str:code>/", views.user_dashboard, name="user"),
    path("users/<str:code>/reports/", views.issue_report, name="issue_report"),
    path("users/<str:code>/manual/", views.manual_upload, name="manual"),
    path("users/<str:code>/gb17167/", equipping_views.equipping, name="equipping"),
    path("users/<str:code>/exports/", export_views.exports, name="exports"),
    path(
        "users/<str:code>/exports/withdraw/", export_views.withdraw_export, name="export_withdraw"
    ),
    path("reports/<int:report_id>/", views.report, name="report"),
    path("reports/<int:report_id>.<str:fmt>", views.report_file, name="report_file"),
]
