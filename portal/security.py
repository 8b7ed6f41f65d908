"""Small pieces of the login's defences that settings point at."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address for login throttling (django-axes). Behind the TLS
    proxy (BEHIND_TLS_PROXY) it is the last address the proxy added to
    X-Forwarded-For: the one the proxy saw, which a visitor cannot forge
    (addresses further left are whatever the visitor sent)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
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
        by_login, by_address = (
            self._failures(a) for a in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_IP_FAILURE_LIMIT:
            # The address is locked: answer as if this login had reached its limit.
            return max(by_login, get_failure_limit(request, credentials))
        return by_login

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
