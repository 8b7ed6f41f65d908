"""Print a one-time link for a staff member to enrol their first authenticator.

For the first administrator, who has nobody to issue one in the admin: whoever
runs commands on the server is trusted already. Afterwards administrators issue
links to each other in the admin (Authenticator enrolment links)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from portal.services import two_factor


class Command(BaseCommand):
    help = "Print a one-time link to enrol a staff member's first authenticator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--base-url",
            default="",
            help="Where the portal is served, e.g. https://portal.example.cn "
            "(default: the first of ALLOWED_HOSTS).",
        )

    def handle(self, *args, username: str, base_url: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No login named {username!r}.")
        if not (user.is_staff or user.is_superuser):
            raise CommandError(f"{username!r} is not a staff login.")
        token = two_factor.enrolment_link_issue(user=user, issued_by=None)
        self.stdout.write(f"{_base(base_url)}{reverse('staff_enrol', args=[token])}")
        self.stderr.write(
            f"Valid {settings.STAFF_ENROL_LINK_HOURS} hours, once, and only for {username} "
            "logged in with their password. Earlier links for this login no longer work."
        )


def _base(given: str) -> str:
    if given:
        return given.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    return f"https://{hosts[0].lstrip('.')}" if hosts else "http://localhost:8000"
