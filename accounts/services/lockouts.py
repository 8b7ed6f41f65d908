"""Lifting a login's lockout (A1): one action for staff, audited, with four eyes
(S2) beyond ``FOUR_EYES_LOCKOUT_LIFTS`` lifts by one person in a day.

A lockout protects a login from someone guessing its password; lifting it is
safe when staff have checked who is asking (at the counter, on the phone).
Many lifts by one person in a day look like someone working through a list,
so past the day's allowance a second member of staff approves each one.
"""

import datetime

from axes.utils import reset as axes_reset
from django.db import transaction

from accounts.actions import Action
from accounts.models import InsuredPerson
from core import clock, four_eyes
from core.audit import audit_record
from core.models import AuditEvent


def _day_start() -> datetime.datetime:
    return clock.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def lifts_today(*, actor) -> int:
    """How many lockouts `actor` lifted today (China Standard Time)."""
    return AuditEvent.objects.filter(
        actor=actor, action=Action.LOCKOUT_LIFT, at__gte=_day_start()
    ).count()


def lift_needs_second(*, actor, more: int = 1) -> bool:
    """S2: lifting `more` lockouts now takes `actor` past the day's allowance,
    so a second member of staff approves."""
    return not four_eyes.lifts_allowed(done=lifts_today(actor=actor), more=more)


@transaction.atomic
def lockout_lift(*, actor, user, second=None) -> int:
    """A1, S2: clear the wrong-password count of `user`'s login (django-axes'
    reset), so they may log in again at once; the count of the address they
    tried from loses their tries too. Past the day's allowance, `second` (another
    member of staff) must approve: PermissionDenied otherwise. Returns the number
    of attempt records cleared; audited either way."""
    needs_second = lift_needs_second(actor=actor)
    if needs_second:
        four_eyes.check_second(first=actor, second=second)
    username = user.get_username()
    cleared = axes_reset(username=username)
    details = {"login": username, "cleared": cleared}
    if needs_second:
        details["approved_by"] = second.get_username()
    audit_record(
        actor=actor,
        action=Action.LOCKOUT_LIFT,
        person=InsuredPerson.objects.filter(user=user).first(),
        target=user,
        details=details,
    )
    return cleared
