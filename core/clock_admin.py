"""Setting and resetting the test clock (core/clock.py): the writes behind
``manage.py clock``. Only while ``PORTAL_TEST_CLOCK`` is on; each change is
audited, and every process reads the new time within a second."""

from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from core import clock
from core.actions import Action
from core.audit import audit_record
from core.models import ClockOffset


def _require_enabled() -> None:
    if not clock.enabled():
        raise ImproperlyConfigured(
            _("The test clock is off: set PORTAL_TEST_CLOCK=1 (staging and demos only).")
        )


@transaction.atomic
def clock_set(*, at: datetime, acting_user=None) -> timedelta:
    """Move the portal's time to ``at`` (aware); it runs on from there."""
    _require_enabled()
    offset = at - clock.real_now()
    ClockOffset.objects.update_or_create(
        pk=ClockOffset.SINGLETON,
        defaults={"offset": offset, "set_at": clock.real_now(), "set_by": acting_user},
    )
    audit_record(
        actor=acting_user,
        action=Action.CLOCK_SET,
        details={"at": at.isoformat(), "offset_seconds": offset.total_seconds()},
    )
    transaction.on_commit(clock.forget)
    clock.forget()
    return offset


@transaction.atomic
def clock_reset(*, acting_user=None) -> None:
    """Back to the real time."""
    deleted, _rows = ClockOffset.objects.filter(pk=ClockOffset.SINGLETON).delete()
    if deleted:
        audit_record(actor=acting_user, action=Action.CLOCK_RESET, details={})
    transaction.on_commit(clock.forget)
    clock.forget()
