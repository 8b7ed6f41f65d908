"""Four eyes (S2): a decision above a threshold needs a second staff member, and
nobody approves their own work.

Refunds and out-of-pocket claims above ``FOUR_EYES_AMOUNT`` (¥5,000.00 by
default), and lifting more than ``FOUR_EYES_LOCKOUT_LIFTS`` lockouts a day, are
decided by two people: the one who prepared the decision and a second who
approves it. The services that make such decisions call ``needs_second`` to
know whether a second approval is due, and ``check_second`` when it is given.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def threshold() -> Decimal:
    return Decimal(str(getattr(settings, "FOUR_EYES_AMOUNT", "5000.00")))


def needs_second(amount: Decimal) -> bool:
    """S2: an amount above the threshold needs a second staff member."""
    return Decimal(amount) > threshold()


def check_second(*, first, second) -> None:
    """S2: ``second`` approves what ``first`` prepared; never the same person."""
    if second is None or not getattr(second, "is_staff", False):
        raise PermissionDenied(_("A second member of staff must approve this."))
    if first is not None and second.pk == first.pk:
        raise PermissionDenied(_("You cannot approve a decision you prepared yourself."))


def lifts_allowed(*, done: int, more: int) -> bool:
    """S2: one member of staff lifts at most FOUR_EYES_LOCKOUT_LIFTS lockouts a
    day (``done`` already, ``more`` now); a second lifts the rest."""
    return done + more <= int(getattr(settings, "FOUR_EYES_LOCKOUT_LIFTS", 5))
