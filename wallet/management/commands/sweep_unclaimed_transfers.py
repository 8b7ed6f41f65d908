import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import clock
from wallet.services.sweep import CHUNK_SIZE, transfers_sweep


def parse_now(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now must be an ISO 8601 time, not {value!r}") from None
    if timezone.is_naive(moment):  # read as China Standard Time, like everything else
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = (
        "W9: return every transfer still pending at 06:00 on the day after it was made "
        "to its sender. Safe to run any number of times."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            type=parse_now,
            default=None,
            help=(
                "Sweep as if it were this time, not later than now "
                "(ISO 8601; without an offset: Asia/Shanghai)."
            ),
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args, now=None, chunk_size=CHUNK_SIZE, **options) -> None:
        # A time in the future would return transfers their recipients may still
        # accept (W8, W9); a past one only what is overdue now as well.
        if now is not None and now > clock.now():
            raise CommandError(f"--now {now.isoformat()} is in the future")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        returned = transfers_sweep(now=now, chunk_size=chunk_size)
        self.stdout.write(f"{returned} unclaimed transfer(s) returned to their senders")
