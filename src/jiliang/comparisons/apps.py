from django.apps import AppConfig


class ComparisonsConfig(AppConfig):
    name = "jiliang.comparisons"
    label = "comparisons"
