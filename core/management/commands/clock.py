"""``manage.py clock set ISO | reset | show``: the test clock (core/clock.py),
for staging and demos only (PORTAL_TEST_CLOCK=1)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import clock
from core.clock_admin import clock_reset, clock_set


def parse_moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not an ISO 8601 time: {value!r}") from None
    if timezone.is_naive(moment):  # read as China Standard Time, like everything else
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = (
        "The test clock (staging and demos, PORTAL_TEST_CLOCK=1): `set ISO` moves the "
        "portal's time there (without an offset: Asia/Shanghai), `reset` returns to "
        "the real time, `show` prints both."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["set", "reset", "show"])
        parser.add_argument("moment", nargs="?", type=parse_moment)
        parser.add_argument("--by", default=None, help="the staff username doing it")

    def handle(self, *args, action, moment=None, by=None, **options) -> None:
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"no user {by!r}")
        try:
            if action == "set":
                if moment is None:
                    raise CommandError("clock set needs a time, e.g. 2026-03-02T06:05")
                clock_set(at=moment, acting_user=user)
            elif action == "reset":
                clock_reset(acting_user=user)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        clock.forget()
        self._show()

    def _show(self) -> None:
        self.stdout.write(f"portal time: {clock.localtime().isoformat(timespec='seconds')}")
        self.stdout.write(
            f"real time:   {timezone.localtime(clock.real_now()).isoformat(timespec='seconds')}"
        )
        state = "set" if clock.offset() else "not set"
        self.stdout.write(f"test clock:  {state} (offset {clock.offset()})")
