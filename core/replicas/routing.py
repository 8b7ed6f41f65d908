"""The router: which database each query of a request goes to.

The middleware decides, once per request, whether the page may read from the
replica, and keeps that decision in a context variable; the router only follows
it, query by query, sending anything that writes, locks or runs in a
transaction to the primary."""

import contextvars
from dataclasses import dataclass, field

from django.db import connections

DEFAULT = "default"
REPLICA = "replica"

# Logins, sessions, lockouts and second factors are read on the primary only: a
# session written a moment ago by the login must be found on the next page.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "axes", "otp_totp", "otp_static", "portal"})


@dataclass
class RequestReads:
    """What one request was allowed, and what it did."""

    alias: str  # where its reads go: REPLICA, or DEFAULT
    why: str  # the reason when DEFAULT: "wrote", "down", "lag" or "fallback"
    replica_queries: int = 0
    view: tuple | None = field(default=None, repr=False)  # (view, args, kwargs)
    token: contextvars.Token | None = field(default=None, repr=False)

    @property
    def served_by(self) -> str:
        return REPLICA if self.replica_queries else DEFAULT


_reads: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar(
    "replica_reads", default=None
)


def current() -> RequestReads | None:
    return _reads.get()


def begin(reads: RequestReads) -> None:
    reads.token = _reads.set(reads)


def end(reads: RequestReads) -> None:
    if reads.token is not None:
        _reads.reset(reads.token)
        reads.token = None


def replica_reads(view):
    """Mark a view whose GET only reads (a statement, a list, an export): it
    may read from the replica. Put it outermost, above @login_required."""
    view.replica_reads = True
    return view


class ReplicaRouter:
    """DATABASE_ROUTERS entry (only with REPLICA_DATABASE_URL)."""

    def db_for_read(self, model, **hints) -> str:
        reads = _reads.get()
        if (
            reads is None
            or reads.alias != REPLICA
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT].in_atomic_block
        ):
            return DEFAULT
        reads.replica_queries += 1
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        # Also asked for select_for_update() (a lock decides something) and by
        # get_or_create(), whose read must see the row another request made.
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db != REPLICA  # a physical copy: it follows the primary's schema
