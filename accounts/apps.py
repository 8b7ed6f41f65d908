from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import (
            reasons,  # noqa: F401 - registers the A and F reasons
            usernames,
        )
        from accounts.staff_roles import sync_after_migrate

        usernames.install()  # A4: no phone-shaped username, wherever one is set
        # S1: the staff groups follow the registry after every migrate.
        post_migrate.connect(sync_after_migrate, dispatch_uid="accounts.staff_roles")
