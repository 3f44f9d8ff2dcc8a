from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """An app so Django finds its template tags (numbers, navigation) and its catalogue."""

    name = "jiliang.dashboards"
    label = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"
