from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "jiliang.market"
    label = "market"
