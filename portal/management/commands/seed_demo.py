from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core import ratelimit


class Command(BaseCommand):
    help = "Load the demo family, regions and facilities (safe to run again)."

    def handle(self, *args, **options) -> None:
        # Each app owns its demo data in <app>/demo.py with a load() function;
        # they run in INSTALLED_APPS order (portal, accounts, wallet, claims).
        # The demo's texts (a relative's consent code, notices) are written by
        # this command, not asked for by a visitor: the SMS limits do not count
        # them, so seeding a fresh database again at once is never refused.
        with transaction.atomic(), ratelimit.suspended():
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.load()
                self.stdout.write(f"demo data: {config.label} loaded")
