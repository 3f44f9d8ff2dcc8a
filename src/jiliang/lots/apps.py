from django.apps import AppConfig


class LotsConfig(AppConfig):
    name = "jiliang.lots"
    label = "lots"
