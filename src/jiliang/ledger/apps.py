from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "jiliang.ledger"
    label = "ledger"
    verbose_name = "Ledger 透明日志"

    def ready(self) -> None:
        from jiliang.ledger import guard, signals  # noqa: F401  (connect receivers)
