"""Small pieces of the login's defences that settings point at."""

import logging

from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.http import HttpRequest

from accounts.backends import UsernameOrPhoneBackend, login_username
from core import ratelimit

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address for login throttling (django-axes, A5). Behind the
    TLS proxy (BEHIND_TLS_PROXY) each of the TRUSTED_PROXY_HOPS proxies in front
    of the portal appended the address it saw to X-Forwarded-For, so the visitor
    is the entry that many places from the right: addresses further left are
    whatever the visitor sent, and the last entry is only the client's address
    when a single proxy stands in front."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            # Fewer entries than proxies: the leftmost is still one a proxy wrote.
            return hops[max(len(hops) - settings.TRUSTED_PROXY_HOPS, 0)]
    return request.META.get("REMOTE_ADDR") or None


class LoginAttemptsHandler(AxesDatabaseHandler):
    """django-axes' database handler with the portal's two limits:
    AXES_FAILURE_LIMIT wrong passwords for one login, LOGIN_IP_FAILURE_LIMIT
    from one address across logins (axes alone has one number for both).

    A successful login clears its own login's count, never its address's:
    otherwise someone trying passwords on many logins could wipe the address's
    count with one login of their own between tries."""

    @staticmethod
    def _failures(attempts) -> int:
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def get_failures(self, request, credentials=None) -> int:
        by_login, by_address = self.failure_counts(request, credentials)
        if by_address >= settings.LOGIN_IP_FAILURE_LIMIT:
            # The address is locked: answer as if this login had reached its limit.
            return max(by_login, get_failure_limit(request, credentials))
        return by_login

    def failure_counts(self, request, credentials=None) -> tuple[int, int]:
        """Recorded failures of (this login, this address)."""
        by_login, by_address = (
            self._failures(a) for a in self.get_user_attempts(request, credentials)
        )
        return by_login, by_address

    def reset_user_attempts(self, request, credentials=None) -> int:
        by_login = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_login.delete()
        return count


def password_retyped(request: HttpRequest, password: str) -> bool | None:
    """The signed-in person typed their password again (A5: ending other
    sessions, changing the password). It goes through Django's authenticate,
    so django-axes counts a wrong one as a failed login of this login and
    address: True when right, False when wrong, None when the login is now
    locked (the caller signs the session out)."""
    user = request.user
    found = authenticate(request, username=user.get_username(), password=password)
    if found is not None and found.pk == user.pk:
        return True
    return None if getattr(request, "axes_locked_out", False) else False


# Counted before checking (A5) ---------------------------------------------------------
_GATE = "portal_login_gate"  # request attribute: the places this try holds


def _gate_enter(request: HttpRequest, username: str) -> bool:
    """Take a place for this login and this address before the password is
    checked; False when the places in flight plus the failures on record would
    go past either limit (the try is then refused as a locked one)."""
    places = [("login-try", login_username(username)), ("login-try-ip", client_ip(request) or "")]
    held: list[tuple[str, str]] = []
    setattr(request, _GATE, held)
    taken = []
    try:
        for name, key in places:
            taken.append(ratelimit.in_flight_enter(name, key))
            held.append((name, key))
    except ratelimit.CACHE_DOWN as exc:
        # Without the cache, django-axes' own check still holds (a small race
        # again, not an open door): logging in must not stop with Redis.
        log.warning("login gate unavailable (the cache does not answer): %s", exc)
        gate_leave(request)
        return True
    AxesProxyHandler.update_request(request)
    by_login, by_address = LoginAttemptsHandler().failure_counts(request, {"username": username})
    if (
        by_login + taken[0] > settings.AXES_FAILURE_LIMIT
        or by_address + taken[1] > settings.LOGIN_IP_FAILURE_LIMIT
    ):
        gate_leave(request)
        return False
    return True


def gate_leave(request) -> None:
    """Give back this try's places, once its outcome is recorded."""
    for name, key in getattr(request, _GATE, None) or ():
        ratelimit.in_flight_leave(name, key)
    if request is not None and hasattr(request, _GATE):
        delattr(request, _GATE)


class LoginGateBackend(UsernameOrPhoneBackend):
    """The password check of accounts.backends, behind a gate that counts the
    try before the password is checked (A5): thirty parallel wrong passwords
    evaluate at most the limit, the rest are refused as locked. A failure gives
    its place back after django-axes recorded it (portal.signals), a success
    at once."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None or password is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        if not _gate_enter(request, username):
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("too many tries in flight for this login or address")
        try:
            user = super().authenticate(request, username=username, password=password, **kwargs)
        except BaseException:
            gate_leave(request)
            raise
        if user is not None:
            gate_leave(request)
        return user
