from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "jiliang.notices"
    label = "notices"
