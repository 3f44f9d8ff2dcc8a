from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "jiliang.services"
    label = "services"
