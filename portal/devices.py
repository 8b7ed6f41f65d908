"""Families are told of a login from a new device (A5): a message in the
message centre and a text to the phone on their record, so a stolen password
does not go unnoticed.

A browser that logged in to a login before carries a signed cookie naming that
login (several, for a family's shared tablet); a login without it is a new
device. The very first login of an account (right after sign-up) tells no one:
there is nothing yet to compare with.
"""

import re

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import MessageKind
from accounts.services import message_send
from core import clock
from portal.models import LoginSession

COOKIE = "portal_device"
_SALT = "portal.known-device"
_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie
_KEEP = 5  # logins one browser remembers (a family's shared tablet)
_NEW = "portal_device_logins"  # request attribute: the cookie to set

_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS", "Mac"),
    ("Linux", "Linux"),
)


def device_name(agent: str) -> str:
    """ "Chrome on Android" from a User-Agent; "a browser" when unknown."""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "")
    system = next((name for mark, name in _SYSTEMS if re.search(mark, agent)), "")
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or "?"


def _known(request: HttpRequest) -> list[int]:
    try:
        value = signing.loads(request.COOKIES.get(COOKIE, ""), salt=_SALT, max_age=_MAX_AGE)
    except signing.BadSignature:
        return []
    return [int(pk) for pk in value if isinstance(pk, int)] if isinstance(value, list) else []


def login_noticed(*, request: HttpRequest, user) -> bool:
    """After a login: tell the family when it came from a new device (True),
    and remember this device for the login."""
    known = _known(request)
    if user.pk in known:
        return False
    setattr(request, _NEW, [user.pk, *known][:_KEEP])
    current = request.session.session_key
    if not LoginSession.objects.filter(user=user).exclude(session_key=current).exists():
        return False  # the account's first login: nothing to compare with
    when = formats.date_format(timezone.localtime(clock.real_now()), "Y-m-d H:i")
    message_send(
        kind=MessageKind.NEW_LOGIN,
        user_ids=[user.pk],
        facts={"device": device_name(request.META.get("HTTP_USER_AGENT", "")), "when": when},
        link=reverse("login_sessions"),
        important=True,
    )
    return True


class KnownDeviceMiddleware:
    """Sets the signed known-device cookie after a login asked for it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        logins = getattr(request, _NEW, None)
        if logins:
            response.set_cookie(
                COOKIE,
                signing.dumps(logins, salt=_SALT),
                max_age=_MAX_AGE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response
