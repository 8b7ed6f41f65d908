"""Small pieces of the login's defences that settings point at."""

from django.conf import settings
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
