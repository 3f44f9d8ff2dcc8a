from django.apps import AppConfig


class TaximetersConfig(AppConfig):
    name = "jiliang.taximeters"
    label = "taximeters"
