from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiliang.accounts"
    label = "accounts"
    verbose_name = "Accounts 账户"

    def ready(self) -> None:
        from jiliang.accounts import audit

        audit.connect_signals()
