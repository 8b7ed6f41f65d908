"""The ledger reconciliation as a recorded run (W10): the nightly job and the
``ledger_check`` command store what they found, so the admin and /healthz can say
when the ledger was last proven right."""

import logging

from django.db import connection, transaction

from core import clock
from wallet.models import LedgerAccount, LedgerCheck
from wallet.selectors import ledger_problems
from wallet.sql import ledger as ledger_sql

log = logging.getLogger(__name__)

KEEP_PROBLEMS = 100  # the first ones are enough to start looking; the count is exact


def ledger_check_run(*, trigger: str) -> LedgerCheck:
    """Reconcile the ledger and record the run. The run row is written first, so
    a check that dies half way shows as started and never finished.

    The reading happens in one REPEATABLE READ snapshot when this is the
    outermost transaction (the nightly job, the command): money keeps moving while
    it runs, and without a snapshot a transfer committed between two of its
    queries would look like a difference."""
    check = LedgerCheck.objects.create(trigger=trigger, started_at=clock.real_now())
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute(ledger_sql.SNAPSHOT.text)
        problems = ledger_problems()
        accounts = LedgerAccount.objects.count()
    check.finished_at = clock.real_now()
    check.accounts = accounts
    check.problem_count = len(problems)
    check.problems = problems[:KEEP_PROBLEMS]
    check.save(update_fields=["finished_at", "accounts", "problem_count", "problems"])
    if problems:
        log.error("ledger_check: %d problem(s); the first: %s", len(problems), problems[0])
    else:
        log.info("ledger_check: clean (%d accounts)", accounts)
    return check


def ledger_check_nightly() -> LedgerCheck:
    """The nightly job's run (beat, 03:30)."""
    return ledger_check_run(trigger=LedgerCheck.Trigger.NIGHTLY)
