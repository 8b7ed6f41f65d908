"""Audit rows for logins, failed logins and lockouts, and the session's clock.

No password, code or typed-but-unknown username is written: a failed login
names the login only when one exists (people sometimes type their password
into the username field)."""

import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import check_for_language

from accounts.backends import login_username
from accounts.models import InsuredPerson, LoginPreference
from accounts.services import preference_set
from core.audit import audit_record
from portal.devices import login_noticed
from portal.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from portal.security import client_ip, gate_leave
from portal.services import passkeys
from portal.services.sessions import session_closed, session_register


def _where(request) -> dict:
    if request is None:
        return {}
    return {
        "ip": getattr(request, "axes_ip_address", None) or client_ip(request),
        "admin": request.path_info.startswith("/admin/"),
    }


def _known_user(identifier):
    if not identifier:
        return None
    user_model = get_user_model()
    return user_model.objects.filter(
        **{user_model.USERNAME_FIELD: login_username(identifier)}
    ).first()


def _person(user):
    return InsuredPerson.objects.filter(user=user).first() if user is not None else None


@receiver(user_logged_in, dispatch_uid="portal.session_clock")
def session_clock_start(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now
        session_register(request=request, user=user)


@receiver(user_logged_in, dispatch_uid="portal.new_device")
def new_device_notice(sender, request, user, **kwargs) -> None:
    # After session_clock_start: this login's own session row exists already.
    if request is not None and hasattr(request, "session"):
        login_noticed(request=request, user=user)


@receiver(user_logged_in, dispatch_uid="portal.passkey_step")
def passkey_step(sender, request, user, **kwargs) -> None:
    """A10: a family login with passkeys is finished with one (or a recovery
    code) before any page; PasskeyMiddleware reads this mark."""
    if (
        request is not None
        and hasattr(request, "session")
        and passkeys.allowed_for(user)
        and passkeys.has_passkeys(user=user)
    ):
        request.session[passkeys.NEEDS_PASSKEY] = True


@receiver(user_logged_in, dispatch_uid="portal.audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.login", person=_person(user), details=_where(request))


@receiver(user_logged_in, dispatch_uid="portal.language_kept")
def language_kept(sender, request, user, **kwargs) -> None:
    """The language goes with the login: one chosen on this browser before
    logging in becomes the login's; otherwise the login's own choice opens
    this browser in it (PortalLocaleMiddleware sets the cookie)."""
    if request is None:
        return
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen and check_for_language(chosen):
        preference_set(user=user, language=chosen)
        return
    saved = LoginPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if saved and check_for_language(saved):
        request.language_from_login = saved


@receiver(user_logged_out, dispatch_uid="portal.audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.logout", details=_where(request))
    if request is not None and hasattr(request, "session"):
        session_closed(session_key=request.session.session_key)


@receiver(user_login_failed, dispatch_uid="portal.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    user = _known_user((credentials or {}).get("username"))
    details = _where(request)
    if user is not None:
        details["login"] = user.get_username()
    audit_record(actor=None, action="auth.login_failed", person=_person(user), details=details)


@receiver(user_login_failed, dispatch_uid="portal.login_gate_leave")
def login_gate_leave(sender, credentials, request=None, **kwargs) -> None:
    # Connected after django-axes' own receiver (its app comes first): the
    # failure is on record before the try's place is given back (A5).
    gate_leave(request)


@receiver(user_locked_out, dispatch_uid="portal.audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    user = _known_user(username)
    details = {**_where(request), "ip": ip_address}
    if user is not None:
        details["login"] = user.get_username()
    audit_record(actor=None, action="auth.lockout", person=_person(user), details=details)
