"""One small rate limiter on the cache (Redis in production), for every door
that is not the login form (django-axes guards that one): SMS sends, code
requests, sign-up look-ups.

Two kinds of limit, both read from the Python clock (so a moved clock in tests
moves them too; the cache's own expiry only collects old keys):

- ``Interval(name, key, seconds)``: at most one hit per `seconds` (a "send a
  new code" button that counts down);
- ``Daily(name, key, count)``: at most `count` hits per calendar day in the
  portal's time zone (Asia/Shanghai), so the count starts again at midnight.

``consume(*limits)`` takes one hit from every limit or from none: when any is
used up it gives back what it took and raises ``RateLimited`` with the moment
the caller may try again. ``Daily`` counts with the cache's atomic ``incr``;
``Interval`` claims its key with ``add`` (set-if-absent), so two requests racing
for the same phone cannot both pass.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import logging
import threading
import time

from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import RedisError

from core import clock

log = logging.getLogger(__name__)

_PREFIX = "rl"
_DAY = 24 * 3600


def _key(name: str, key: str, *parts: str) -> str:
    # Keys hold phone numbers and user ids: hashed, so the cache holds no
    # personal data in clear and any key length is fine.
    digest = hashlib.sha256(f"{name}\x00{key}".encode()).hexdigest()[:40]
    return ":".join((_PREFIX, name, digest, *parts))


@dataclasses.dataclass(frozen=True)
class Interval:
    """At most one hit per `seconds`."""

    name: str
    key: str
    seconds: int

    def _cache_key(self, now: float) -> str:
        return _key(self.name, self.key)

    def take(self, now: float):
        """Return an undo callable, or the retry time (epoch seconds) when used up."""
        cache_key = self._cache_key(now)
        if cache.add(cache_key, now, timeout=self.seconds + 60):
            return lambda: cache.delete(cache_key)
        last = cache.get(cache_key)
        if last is not None and now - float(last) < self.seconds:
            return float(last) + self.seconds
        # The key outlived its window (a moved clock in tests, or a slow expiry).
        cache.set(cache_key, now, timeout=self.seconds + 60)
        return lambda: cache.delete(cache_key)

    def used(self, now: float) -> int:
        last = cache.get(self._cache_key(now))
        return int(last is not None and now - float(last) < self.seconds)


@dataclasses.dataclass(frozen=True)
class Daily:
    """At most `count` hits per calendar day (local time)."""

    name: str
    key: str
    count: int

    def _cache_key(self, now: float) -> str:
        day = datetime.datetime.fromtimestamp(now, tz=timezone.get_current_timezone()).date()
        return _key(self.name, self.key, day.isoformat())

    def take(self, now: float):
        cache_key = self._cache_key(now)
        cache.add(cache_key, 0, timeout=2 * _DAY)
        try:
            hits = cache.incr(cache_key)
        except ValueError:  # evicted between add and incr
            cache.add(cache_key, 0, timeout=2 * _DAY)
            hits = cache.incr(cache_key)
        if hits > self.count:
            cache.decr(cache_key)
            local = datetime.datetime.fromtimestamp(now, tz=timezone.get_current_timezone())
            midnight = datetime.datetime.combine(
                local.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=local.tzinfo
            )
            return midnight.timestamp()
        return lambda: cache.decr(cache_key)

    def used(self, now: float) -> int:
        return int(cache.get(self._cache_key(now)) or 0)


Limit = Interval | Daily


class RateLimited(Exception):
    """A limit is used up; `retry_at` (aware datetime) says when to try again."""

    def __init__(self, limit: Limit, retry_at: datetime.datetime) -> None:
        super().__init__(f"{limit.name} used up until {retry_at.isoformat()}")
        self.limit = limit
        self.retry_at = retry_at

    @property
    def wait_seconds(self) -> int:
        return max(int((self.retry_at - clock.real_now()).total_seconds() + 0.999), 1)


class Unavailable(RateLimited):
    """No limit could be checked (the cache does not answer): try again later."""


def _now() -> float:
    return time.time()


# When the cache (Redis) does not answer, no limit can be checked: the door stays
# shut for a minute (an SMS sender must not open wide because Redis is down), and
# the caller says "try again" as for any used-up limit, instead of answering 500.
CACHE_DOWN_RETRY_SECONDS = 60
CACHE_DOWN = _CACHE_DOWN = (RedisError, OSError)


_suspended = threading.local()


@contextlib.contextmanager
def suspended():
    """No limit counts inside (this thread): for a command that writes texts
    itself, not on a visitor's request (the demo's seeding). A fresh demo
    seeded twice within a minute against the same Redis is not refused A1-06."""
    before = getattr(_suspended, "on", False)
    _suspended.on = True
    try:
        yield
    finally:
        _suspended.on = before


def consume(*limits: Limit) -> None:
    """Take one hit from each limit, all or none; raise RateLimited otherwise."""
    if getattr(_suspended, "on", False):
        return
    now = _now()
    undo = []
    try:
        for limit in limits:
            taken = limit.take(now)
            if callable(taken):
                undo.append(taken)
                continue
            for give_back in reversed(undo):
                give_back()
            retry_at = datetime.datetime.fromtimestamp(taken, tz=datetime.UTC)
            raise RateLimited(limit, timezone.localtime(retry_at))
    except _CACHE_DOWN as exc:
        log.warning("rate limits unavailable (the cache does not answer): %s", exc)
        for give_back in reversed(undo):
            with contextlib.suppress(*_CACHE_DOWN):
                give_back()
        retry_at = datetime.datetime.fromtimestamp(now + CACHE_DOWN_RETRY_SECONDS, tz=datetime.UTC)
        raise Unavailable(limits[0], timezone.localtime(retry_at)) from exc


def used(limit: Limit) -> int:
    """Hits counted against `limit` in its current window (0 when the cache does
    not answer: only a count shown, never a door opened)."""
    try:
        return limit.used(_now())
    except _CACHE_DOWN:
        return 0


# Tries in flight ------------------------------------------------------------------
# A lockout counted only after a password is checked lets thirty parallel tries all
# pass a check that reads "no failures yet". A caller takes a place *before* the
# check (an atomic incr), and counts places plus recorded failures against the
# limit; it gives its place back once the outcome is recorded. The key's expiry
# only collects places of a process that died mid-try.
IN_FLIGHT_SECONDS = 60


def in_flight_enter(name: str, key: str) -> int:
    """Take a place; return how many are taken now, this one included. Raises
    the cache's own error when it does not answer (the caller decides)."""
    cache_key = _key(name, key, "flight")
    cache.add(cache_key, 0, timeout=IN_FLIGHT_SECONDS)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 0, timeout=IN_FLIGHT_SECONDS)
        return cache.incr(cache_key)


def in_flight_leave(name: str, key: str) -> None:
    with contextlib.suppress(ValueError, *_CACHE_DOWN):
        cache.decr(_key(name, key, "flight"))
