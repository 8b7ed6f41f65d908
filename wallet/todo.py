"""What the ledger leaves on the administrators' to-do list: the last nightly
check of every balance (W10)."""

import datetime

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import clock, todo
from wallet.models import LedgerCheck
from wallet.selectors import ledger_check_latest

# The nightly check runs once a day: older than this, a night was missed.
MISSED_AFTER = datetime.timedelta(hours=26)


@todo.register
def ledger_check(user) -> todo.Item | None:
    """W10: the last nightly check of the ledger, and what it found (a check
    run by hand since then is shown instead, the night's absence still said)."""
    if not user.has_perm("wallet.view_ledgercheck"):
        return None
    latest = ledger_check_latest()
    nightly = ledger_check_latest(trigger=LedgerCheck.Trigger.NIGHTLY)
    url = reverse("admin:wallet_ledgercheck_changelist")
    if latest is None:
        return todo.Item(
            label=_("The ledger has not been checked yet"),
            count=None,
            url=url,
            rule="W10",
            level=todo.Level.PROBLEM,
        )
    when = formats.date_format(clock.localtime(latest.started_at), "Y-m-d H:i")
    note = _("Last check: %(when)s (%(by)s).") % {
        "when": when,
        "by": latest.get_trigger_display(),
    }
    if latest.finished_at is None:
        label, level = _("The last ledger check did not finish"), todo.Level.PROBLEM
    elif latest.problem_count:
        label = ngettext(
            "The last ledger check found %(n)d problem",
            "The last ledger check found %(n)d problems",
            latest.problem_count,
        ) % {"n": latest.problem_count}
        level = todo.Level.PROBLEM
    elif nightly is None or clock.real_now() - nightly.started_at > MISSED_AFTER:
        label, level = _("The ledger was not checked last night"), todo.Level.WAITING
    else:
        label, level = _("The last ledger check found every balance right"), todo.Level.OK
    url = reverse("admin:wallet_ledgercheck_change", args=[latest.pk])
    return todo.Item(label=label, count=None, url=url, rule="W10", level=level, note=note)
