from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiliang.registry"
    label = "registry"
    verbose_name = "Registry 计量登记"
