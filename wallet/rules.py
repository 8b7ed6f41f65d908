"""Pure rule functions of the wallet (W7, W9): no database, no writes, so the
services that decide and the selectors that show what a sender may still do
read the same answer."""

import datetime

from django.utils import timezone

from wallet.models import WalletPolicy


def in_quiet_hours(*, policy: WalletPolicy, local: datetime.datetime) -> bool:
    """W7: [quiet_start, quiet_end) in China Standard Time; wraps past midnight."""
    t = local.time()
    start, end = policy.quiet_start, policy.quiet_end
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def due_back_at(*, policy: WalletPolicy, local_day: datetime.date) -> datetime.datetime:
    """W9: the moment a transfer made on `local_day` goes back: sweep_at (06:00)
    on the next day, China Standard Time."""
    next_day = local_day + datetime.timedelta(days=1)
    return timezone.make_aware(
        datetime.datetime.combine(next_day, policy.sweep_at), timezone.get_default_timezone()
    )


def hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")
