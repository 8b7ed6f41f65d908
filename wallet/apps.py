from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = _("Money")

    def ready(self) -> None:
        from wallet import reasons, signals  # noqa: F401 - W/P reasons, the P1 status hook
