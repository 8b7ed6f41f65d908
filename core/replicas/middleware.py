"""The middleware: whether a page reads from the replica, the read-your-writes
cookie, and reading a page again from the primary when the replica fails."""

import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

from core.replicas import health
from core.replicas.routing import DEFAULT, REPLICA, RequestReads, begin, end

# Set on the answer to any write, with the time of that answer (after the
# write's commit), signed; while it is younger than the window the person's
# pages read the primary. Its own time to the millisecond, not the signature's
# timestamp: that one counts whole seconds and would end the window early.
WROTE_COOKIE = "portal_wrote"
_SALT = "core.replicas.wrote"
# Says where a page that may read the replica was read from, and why not
# ("primary; wrote", "primary; down", "primary; lag", "primary; fallback").
HEADER = "X-Reads-From"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def reads_only(request: HttpRequest, view) -> bool:
    """A page that may read the replica: marked @replica_reads, or an admin list."""
    if request.method not in SAFE_METHODS:
        return False
    if getattr(view, "replica_reads", False):
        return True
    match = request.resolver_match
    return (
        match is not None
        and match.app_name == "admin"
        and (match.url_name or "").endswith("_changelist")
    )


def wrote_recently(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(WROTE_COOKIE, default=None, salt=_SALT)
    try:
        wrote_at = float(value)
    except (TypeError, ValueError):
        return False
    # A time ahead of this server's clock (another server's, a little fast) is
    # recent too: reading the primary is never wrong, only slower.
    return time.time() - wrote_at < settings.REPLICA_READ_YOUR_WRITES_SECONDS


def choose(request: HttpRequest) -> tuple[str, str]:
    """(database, reason) for a read-only page: the cheapest reasons first."""
    if wrote_recently(request):
        return DEFAULT, "wrote"
    state = health.replica_state()
    if not state.up:
        return DEFAULT, "down"
    if not state.usable():
        return DEFAULT, "lag"
    return REPLICA, ""


def header_value(reads: RequestReads) -> str:
    return "replica" if reads.served_by == REPLICA else f"primary; {reads.why}"


class ReplicaMiddleware:
    """Last in MIDDLEWARE (only with REPLICA_DATABASE_URL)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        finally:
            reads = getattr(request, "replica_reads", None)
            if reads is not None:
                end(reads)
        if reads is not None:
            response[HEADER] = header_value(reads)
        if request.method not in SAFE_METHODS:
            # Every write of the portal is a form sent (POST): from now on, for
            # the window, this person's pages read the primary.
            self._remember_write(response)
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        if not reads_only(request, view):
            return
        alias, why = choose(request)
        reads = RequestReads(alias=alias, why=why, view=(view, args, kwargs))
        begin(reads)
        request.replica_reads = reads

    def process_exception(self, request: HttpRequest, exception: Exception):
        """The replica failed under a page: read the page again from the primary
        (it only reads: running it twice changes nothing)."""
        reads = getattr(request, "replica_reads", None)
        if (
            reads is None
            or not reads.replica_queries
            or not isinstance(exception, OperationalError | InterfaceError)
            or not connections[REPLICA].errors_occurred
        ):
            return None
        health.mark_down(exception)
        reads.alias, reads.why, reads.replica_queries = DEFAULT, "fallback", 0
        view, args, kwargs = reads.view
        response = view(request, *args, **kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
        return response

    @staticmethod
    def _remember_write(response: HttpResponse) -> None:
        response.set_signed_cookie(
            WROTE_COOKIE,
            f"{time.time():.3f}",
            salt=_SALT,
            max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS + 1,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
