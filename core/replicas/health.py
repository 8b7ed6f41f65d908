"""Is the replica there, and how far behind? Measured at most every
REPLICA_CHECK_SECONDS in each process (two one-row queries), and known to be
down at once when a page's query on it fails."""

import contextlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

from core.replicas import sql
from core.replicas.routing import DEFAULT, REPLICA


@dataclass(frozen=True)
class ReplicaState:
    up: bool
    lag: float  # seconds behind the primary (inf when down or unknown)
    error: BaseException | None = None  # why it is down

    def usable(self) -> bool:
        return self.up and self.lag <= settings.REPLICA_MAX_LAG_SECONDS


# This process's last measurement and when it was taken (time.time(): a clock
# set back makes the measurement due at once, never stale for long).
_memo: dict = {"measured": None, "at": -math.inf}
# A replica that did not answer is asked again this much later, not every
# REPLICA_CHECK_SECONDS: behind a host that drops packets, each try holds a
# page for the connect timeout.
DOWN_RECHECK_SECONDS = 10


def replica_state() -> ReplicaState:
    """The last measurement, taken again once it is REPLICA_CHECK_SECONDS old
    (DOWN_RECHECK_SECONDS when the replica was down)."""
    state = _memo["measured"]
    every = settings.REPLICA_CHECK_SECONDS
    if state is not None and not state.up:
        every = max(every, DOWN_RECHECK_SECONDS)
    if state is None or not 0 <= time.time() - _memo["at"] < every:
        remember(measure())
    return _memo["measured"]


def remember(state: ReplicaState) -> None:
    _memo.update(measured=state, at=time.time())


def forget() -> None:
    """Measure again on the next ask (tests, and after settings change)."""
    _memo.update(measured=None, at=-math.inf)


def mark_down(error: BaseException) -> None:
    """A page's query on the replica failed: no page of this process tries it
    again before the next measurement is due."""
    close_replica()
    remember(ReplicaState(up=False, lag=math.inf, error=error))


def close_replica() -> None:
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def measure() -> ReplicaState:
    with connections[DEFAULT].cursor() as cursor:
        cursor.execute(sql.PRIMARY_POSITION)
        (position,) = cursor.fetchone()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(sql.REPLICA_BEHIND, [position])
            behind_bytes, replay_age = cursor.fetchone()
    except DatabaseError as error:
        close_replica()
        return ReplicaState(up=False, lag=math.inf, error=error)
    if behind_bytes <= 0:
        return ReplicaState(up=True, lag=0.0)
    return ReplicaState(up=True, lag=math.inf if replay_age is None else max(replay_age, 0.0))
