from django.apps import AppConfig


class IntervalsConfig(AppConfig):
    name = "jiliang.intervals"
    label = "intervals"
