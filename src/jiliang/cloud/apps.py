from django.apps import AppConfig


class CloudConfig(AppConfig):
    name = "jiliang.cloud"
    label = "cloud"
