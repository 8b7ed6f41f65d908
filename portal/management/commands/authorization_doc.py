"""Write docs/AUTHORIZATION.md from the matrix in accounts/authorization.py
(a test fails when the two differ)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.authorization import markdown


class Command(BaseCommand):
    help = "Write docs/AUTHORIZATION.md from accounts/authorization.py."

    def handle(self, *args, **options) -> None:
        target = Path(settings.BASE_DIR) / "docs" / "AUTHORIZATION.md"
        target.write_text(markdown(), encoding="utf-8")
        self.stdout.write(str(target))
