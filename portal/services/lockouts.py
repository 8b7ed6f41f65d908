"""Lifting login lockouts (django-axes) in the admin, under four eyes (S2):
each lift is audited, and one member of staff lifts at most
FOUR_EYES_LOCKOUT_LIFTS lockouts a day; beyond that a second member of staff
lifts the rest, so no one person can quietly open many locked logins."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

# One action for every way a lockout is lifted (the User admin's and this one):
# the day's count of lifts is one count.
from accounts.actions import Action
from accounts.services.lockouts import lifts_today
from core import four_eyes
from core.audit import audit_record


@transaction.atomic
def lockout_lift(*, acting_user, attempts) -> int:
    """S2: delete the selected lockouts' attempts (the logins may try again),
    one audit row each, unless that takes `acting_user` past the day's limit:
    then nothing is lifted and a second member of staff must do it."""
    # One lifter at a time per member of staff: the count below stays true.
    get_user_model().objects.select_for_update().filter(pk=acting_user.pk).first()
    rows = list(attempts.select_for_update())
    done = lifts_today(actor=acting_user)
    if not four_eyes.lifts_allowed(done=done, more=len(rows)):
        raise PermissionDenied(
            _(
                "You have lifted %(done)d lockouts today; lifting more needs a second "
                "member of staff (S2)."
            )
            % {"done": done}
        )
    for row in rows:
        audit_record(
            actor=acting_user,
            action=Action.LOCKOUT_LIFT,
            target=row,
            details={"username": row.username, "ip": row.ip_address},
        )
        row.delete()
    return len(rows)
