import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from portal.services.passkeys import NEEDS_PASSKEY
from portal.services.sessions import session_touch


class PortalLocaleMiddleware:
    """Simplified Chinese unless the user picked another language.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language:
    the portal is Chinese by default, and English is a choice made with the
    switcher (which sets the language cookie) and kept with the login: a login
    on a new browser gets its language's cookie (portal.signals.language_kept).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        language = translation.get_supported_language_variant(language)
        # override() puts the thread's previous language back afterwards, so one
        # request's choice never leaks into whatever this thread does next.
        # Streaming responses that render lazily pass the language explicitly.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            patch_vary_headers(response, ("Cookie",))
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        kept = getattr(request, "language_from_login", "")
        if kept:  # a login's own language, for this browser from now on
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                kept,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class PrivatePagesMiddleware:
    """Headers that keep private pages private (every response):

    - ``Content-Security-Policy``: scripts and styles from the portal's own
      static files only, no inline script or style, nothing from other sites;
    - ``Permissions-Policy``: no camera, microphone, location, payment;
    - ``Cache-Control: no-store`` on everything a logged-in user gets (pages,
      CSV/PDF exports, htmx partials), so no shared computer, proxy or back
      button keeps a copy of a family's bills.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or getattr(request, "_private", False):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


def _kept_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The fields of a form sent after the session ended, minus its CSRF token
    and anything secret (passwords and one-time codes are typed again)."""
    kept = []
    for name, values in request.POST.lists():
        lowered = name.lower()
        if name == "csrfmiddlewaretoken" or any(s in lowered for s in SECRET_FIELDS):
            continue
        kept.extend((name, value) for value in values)
    return kept


SECRET_FIELDS = ("password", "code", "otp", "token")


class SessionLimitsMiddleware:
    """Ends a login's session after ``SESSION_IDLE_MINUTES`` without a request
    and ``SESSION_MAX_HOURS`` after logging in, however active.

    The login page then says why. A form sent after the session ended is not
    lost: its fields (without passwords, codes or files) are kept in the new
    anonymous session and, once the same person has logged in again, offered
    back on one page with a button that sends them (portal.views.kept_form).
    """

    # How often the last-seen time is written: not on every request.
    TOUCH_SECONDS = 15

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self._ended(request)
            if ended:
                return self._end(request, ended)
        elif settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.is_empty():
            # The browser still holds a session that is gone (ended long ago, or
            # cleared): say so once, before the login page asks again.
            messages.info(request, _("Your session has ended. Log in again to continue."))
        return self.get_response(request)

    def _ended(self, request: HttpRequest) -> str:
        now = time.time()
        session = request.session
        started = session.get(SESSION_STARTED)
        last = session.get(SESSION_LAST_SEEN)
        if started is None:  # a session from before these limits: count from now
            session[SESSION_STARTED] = started = now
        if now - started >= settings.SESSION_MAX_HOURS * 3600:
            return "absolute"
        if last is not None and now - last >= settings.SESSION_IDLE_MINUTES * 60:
            return "idle"
        if last is None or now - last >= self.TOUCH_SECONDS:
            session[SESSION_LAST_SEEN] = now
            session_touch(session_key=session.session_key)
        return ""

    def _end(self, request: HttpRequest, why: str) -> HttpResponse:
        user_pk = request.user.pk
        path = request.get_full_path()
        keep = request.method == "POST" and request.path_info not in (
            reverse("logout"),
            reverse("admin:logout"),
            reverse("set_language"),
        )
        kept = _kept_fields(request) if keep else []
        logout(request)
        if why == "idle":
            note = _(
                "Your session ended after %(minutes)d minutes without activity. "
                "Log in again to continue."
            ) % {"minutes": settings.SESSION_IDLE_MINUTES}
        else:
            note = _(
                "For your safety a session lasts at most %(hours)d hours. Log in again to continue."
            ) % {"hours": settings.SESSION_MAX_HOURS}
        if keep:
            request.session[KEPT_FORM] = {"user": user_pk, "path": path, "fields": kept}
            note = "{} {}".format(
                note, _("The form you were sending was kept: you can send it after logging in.")
            )
            after = reverse("kept_form")
        elif request.method == "GET":
            after = path
        else:
            after = reverse("home")
        messages.info(request, note)
        request._private = True
        login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': after})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(login_url)
        return HttpResponseRedirect(login_url)


SESSION_STARTED = "portal_session_started"
SESSION_LAST_SEEN = "portal_session_last_seen"
KEPT_FORM = "portal_kept_form"


class _SecondStepMiddleware:
    """A login that still owes this session its second step reaches no page
    but the step's own (and logging out, the language switch, health and
    static files): the others are sent there with `next`, htmx ones by an
    HX-Redirect."""

    step = ""  # the URL name of the step's page
    open_names: tuple[str, ...] = ()
    open_prefixes: tuple[str, ...] = ()

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def owes_step(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.owes_step(request) and not self._open_path(request.path_info):
            url = f"{reverse(self.step)}?{urlencode({'next': request.get_full_path()})}"
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)
            return HttpResponseRedirect(url)
        return self.get_response(request)

    def _open_path(self, path: str) -> bool:
        names = (self.step, *self.open_names, "logout", "set_language", "healthz")
        prefixes = (*self.open_prefixes, f"/{settings.STATIC_URL.lstrip('/')}")
        return path in {reverse(name) for name in names} or path.startswith(prefixes)


class PasskeyMiddleware(_SecondStepMiddleware):
    """A family login with passkeys (A10) reaches no page after its password
    until this session has been finished with a passkey or a recovery code.
    The session is marked at login (portal.signals), so a login without
    passkeys costs no query here."""

    step = "passkey_login"
    open_names = ("passkey_login_options",)

    def owes_step(self, request: HttpRequest) -> bool:
        session = getattr(request, "session", None)
        return bool(
            session is not None
            and session.get(NEEDS_PASSKEY)
            and request.user.is_authenticated
            and not request.user.is_verified()
        )


class StaffSecondFactorMiddleware(_SecondStepMiddleware):
    """With ``STAFF_2FA`` on, a staff login reaches no page (the admin included)
    until it has entered a code from its authenticator app or a recovery code
    in this session; a staff member without an authenticator enrols first."""

    step = "two_factor"
    open_names = ("admin:logout",)
    open_prefixes = ("/staff-enrol/",)

    def owes_step(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return bool(
            settings.STAFF_2FA
            and user is not None
            and user.is_authenticated
            and (user.is_staff or user.is_superuser)
            and not user.is_verified()
        )
