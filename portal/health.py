"""Liveness checks for /healthz: the database and the Celery broker, each
answered with a sentence an operator can act on ("connection refused") rather
than an exception's class name, and never with a host name or a password."""

import datetime
import errno
import math
import socket

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu import Connection

from core import clock
from core.jobs import jobs_waiting
from core.replicas import REPLICA
from core.replicas.health import replica_state
from portal.sql import HEALTH
from wallet.selectors import ledger_check_latest


def reason_for(exc: BaseException) -> str:
    """What went wrong talking to a server, in words (translated)."""
    seen: set[int] = set()
    chain: list[BaseException] = []
    while exc is not None and id(exc) not in seen:  # the cause often says more
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    text = " ".join(str(e).lower() for e in chain)
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return _("connection refused (is the server running?)")
    if any(isinstance(e, TimeoutError | socket.timeout) for e in chain) or "timed out" in text:
        return _("no answer in time")
    if "password" in text or "authentication" in text or "noauth" in text:
        return _("the password was refused")
    if "does not exist" in text:
        return _("the database does not exist")
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service" in text:
        return _("the server's host name is unknown")
    if any(getattr(e, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH) for e in chain):
        return _("the network cannot reach the server")
    if "terminat" in text or "closed" in text or "reset" in text:
        return _("the connection was closed by the server")
    return _("it does not answer")


def check_database(connection: BaseDatabaseWrapper | None = None) -> str | None:
    """None when the database answers a query, else a short reason."""
    connection = connection or connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute(HEALTH.text)
            cursor.fetchone()
    except Exception as exc:
        return reason_for(exc)
    return None


def check_broker(url: str | None = None) -> str | None:
    """None when the broker accepts a connection, else a short reason."""
    url = url or settings.CELERY_BROKER_URL
    try:
        with Connection(url, connect_timeout=2) as conn:
            # One try (a refused connection answers at once; a silent host within
            # the 2 s connect timeout): a load balancer's probe must not wait.
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception as exc:
        return reason_for(exc)
    return None


# The nightly ledger check runs at 03:30; a result older than this means the job
# (or beat) has not run since.
LEDGER_CHECK_DUE_EVERY_HOURS = 36


def ledger_check_status(now=None) -> str:
    """The last ledger reconciliation (W10), in a sentence."""
    check = ledger_check_latest()
    if check is None:
        return _("not run yet")
    when = f"{timezone.localtime(check.started_at):%Y-%m-%d %H:%M}"
    if check.finished_at is None:
        return _("started at %(when)s and did not finish") % {"when": when}
    if check.problem_count:
        return ngettext(
            "%(n)d problem found at %(when)s",
            "%(n)d problems found at %(when)s",
            check.problem_count,
        ) % {"n": check.problem_count, "when": when}
    now = now or clock.real_now()
    if now - check.started_at > datetime.timedelta(hours=LEDGER_CHECK_DUE_EVERY_HOURS):
        return _("clean at %(when)s, and not checked since") % {"when": when}
    return _("clean at %(when)s") % {"when": when}


def jobs_status() -> str:
    """The job outbox: "ok", or how many jobs wait for the broker and since when."""
    waiting, oldest = jobs_waiting()
    if not waiting:
        return "ok"
    return ngettext(
        "%(n)d job queued since %(when)s, waiting for the job queue",
        "%(n)d jobs queued since %(when)s, waiting for the job queue",
        waiting,
    ) % {"n": waiting, "when": f"{timezone.localtime(oldest):%Y-%m-%d %H:%M}"}


def replica_status() -> str | None:
    """The read replica, in words (None without one). Never a reason to take
    the site out of service: its pages read the primary meanwhile."""
    if REPLICA not in settings.DATABASES:
        return None
    state = replica_state()
    if not state.up:
        return _("the read replica does not answer: %(reason)s; pages read the primary") % {
            "reason": reason_for(state.error)
        }
    if not state.usable():
        behind = "?" if math.isinf(state.lag) else f"{state.lag:.0f}"
        return _("the read replica is %(seconds)s s behind: pages read the primary") % {
            "seconds": behind
        }
    return "ok"
