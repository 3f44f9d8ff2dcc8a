from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiliang.monitoring"
    label = "monitoring"
