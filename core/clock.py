"""The portal's clock: the one place that rules, jobs and pages read the time from.

Production reads the real time. With ``PORTAL_TEST_CLOCK=1`` (staging and demos
only) an operator may move the portal's time: the clock then runs on from the
time that was set, in every process (web, worker, beat), so quiet hours (W7),
the morning sweep (W9), expiring codes and registrations (F3) can be tried in
minutes instead of waiting for the real clock. The offset is one database row
(``core.models.ClockOffset``), read at most once a second per process.

Two readings:
- ``now()`` / ``localdate()`` / ``localtime()``: the portal's time, for every
  rule, record and page (a transfer's creation, the sweep's cut-off, a code's
  expiry, "today" on a page).
- ``real_now()``: the machine's time, for what measures real durations of the
  processes themselves (a stalled job, a heartbeat, a rate-limit window, a
  session's idle time), so moving the portal's time never makes a live worker
  look dead or signs everybody out.

ruff's banned-api rule (pyproject.toml) keeps ``django.utils.timezone.now`` out
of every other module.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.transaction import TransactionManagementError
from django.utils import timezone

# The offset as last read, and when (real time): re-read at most once a second.
_memo: dict = {"offset": timedelta(0), "read_at": None}
_REREAD_SECONDS = 1.0


def real_now() -> datetime:
    """The machine's time (aware, UTC): for durations of the processes themselves."""
    return timezone.now()  # noqa: TID251 - the one place that reads it


def enabled() -> bool:
    return bool(getattr(settings, "PORTAL_TEST_CLOCK", False))


def offset() -> timedelta:
    """How far the portal's time is from the real time (zero unless a test clock is set)."""
    if not enabled():
        return timedelta(0)
    real = real_now()
    read_at = _memo["read_at"]
    if read_at is None or not 0 <= (real - read_at).total_seconds() < _REREAD_SECONDS:
        _memo.update(offset=_read_offset(), read_at=real)
    return _memo["offset"]


def _read_offset() -> timedelta:
    from core.models import ClockOffset  # models import this module for their defaults

    try:
        rows = ClockOffset.objects.filter(pk=ClockOffset.SINGLETON)
        return rows.values_list("offset", flat=True).first() or timedelta(0)
    except (DatabaseError, TransactionManagementError):
        # No table yet (before migrate) or a transaction already broken: keep the
        # last reading rather than fail the caller.
        return _memo["offset"]


def forget() -> None:
    """Read the offset again on the next call (after it was set, and in tests)."""
    _memo.update(offset=timedelta(0), read_at=None)


def now() -> datetime:
    """The portal's time (aware, UTC)."""
    return real_now() + offset()


def localtime(value: datetime | None = None) -> datetime:
    """The portal's time (or ``value``) in China Standard Time."""
    return timezone.localtime(now() if value is None else value)


def localdate() -> date:
    """Today in China Standard Time, on the portal's clock."""
    return localtime().date()
