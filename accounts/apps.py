from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People")

    def ready(self) -> None:
        from accounts import (
            reasons,  # noqa: F401 - registers the A and F reasons
            usernames,
        )

        usernames.install()  # A4: no phone-shaped username, wherever one is set
