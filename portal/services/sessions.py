"""Sessions of a login (ASVS V7): registered when it logs in, listed for the
person, ended by them (their other devices) or by an administrator. Ending a
session deletes its stored session, so it stops at its very next request; the
browser then hears that its session has ended."""

from django.contrib.sessions.models import Session
from django.db import transaction

from core import clock
from core.audit import audit_record
from portal.models import LoginSession
from portal.security import client_ip


def session_register(*, request, user) -> LoginSession | None:
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    agent = request.META.get("HTTP_USER_AGENT", "")[:200]
    row, _created = LoginSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": agent,
            "last_seen": clock.real_now(),
            "ended_at": None,
        },
    )
    return row


def session_touch(*, session_key: str | None) -> None:
    if session_key:
        LoginSession.objects.filter(session_key=session_key).update(last_seen=clock.real_now())


def session_rekey(*, old: str | None, new: str | None) -> None:
    """The same session under a new key (Django changes it on a password change)."""
    if old and new and old != new:
        LoginSession.objects.filter(session_key=old).update(session_key=new)


def session_closed(*, session_key: str | None) -> None:
    """Logged out (or timed out): the row leaves the list."""
    if session_key:
        LoginSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
            ended_at=clock.real_now()
        )


def sessions_active(*, user):
    """The login's sessions still alive (their stored session not expired)."""
    alive = Session.objects.filter(expire_date__gt=clock.real_now()).values("session_key")
    return LoginSession.objects.filter(user=user, ended_at__isnull=True, session_key__in=alive)


@transaction.atomic
def sessions_end(*, actor, user, keep: str | None = None, only: list[int] | None = None) -> int:
    """End the login's sessions (all, all but `keep`, or the rows `only`)."""
    rows = LoginSession.objects.filter(user=user, ended_at__isnull=True)
    if keep:
        rows = rows.exclude(session_key=keep)
    if only is not None:
        rows = rows.filter(pk__in=only)
    keys = list(rows.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    ended = rows.update(ended_at=clock.real_now())
    if ended:
        audit_record(
            actor=actor,
            action="auth.sessions_end",
            details={"sessions": ended, "login": user.get_username()},
        )
    return ended
