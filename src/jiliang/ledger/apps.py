from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "jiliang.ledger"
    label = "ledger"
