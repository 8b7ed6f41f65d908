"""The ledger reconciliation as a recorded run (W10): the nightly job and the
``ledger_check`` command store what they found, so the admin and /healthz can say
when the ledger was last proven right.

A run is incremental when a clean run left a checkpoint: it reads the entries
made since (and the accounts they touched), not every entry the ledger ever had,
so the nightly check costs a day's work, not the region's history (bench/scale.py).
A full run reads everything: the first run, ``ledger_check --full``, and the
nightly job on the first of each month (it also catches a balance changed with
no entry at all, which an incremental run, reading entries, cannot see)."""

import logging

from django.db import connection, transaction

from core import clock
from wallet.models import LedgerAccount, LedgerCheck
from wallet.selectors import ledger_problems, ledger_problems_since
from wallet.sql import ledger as ledger_sql
from wallet.sql import reconcile as reconcile_sql

log = logging.getLogger(__name__)

KEEP_PROBLEMS = 100  # the first ones are enough to start looking; the count is exact


def _checkpoint() -> int | None:
    """The entry the last clean run proved the ledger up to, if any."""
    last = (
        LedgerCheck.objects.filter(problem_count=0, finished_at__isnull=False)
        .exclude(upto_entry=None)
        .order_by("-pk")
        .values_list("upto_entry", flat=True)
        .first()
    )
    return last


def _horizon() -> int:
    """The highest entry id below which every entry is committed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(reconcile_sql.HORIZON_LOCK.text)
        cursor.execute(reconcile_sql.HORIZON.text)
        return cursor.fetchone()[0]


def _advance(*, since: int, upto: int, accounts: list[int] | None) -> None:
    """Move the checkpoint to `upto` after a clean run; forget the changed
    balances it read (a full run: all of them)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if accounts is None:
            cursor.execute(reconcile_sql.CHECKPOINT_CLEAR.text)
        else:
            cursor.execute(reconcile_sql.CHANGES_CLEAR.text, {"accounts": accounts})
        cursor.execute(reconcile_sql.CHECKPOINT.text, {"since": since, "upto": upto})
    if accounts is None:
        # On its own: the TRUNCATE holds postings' notes back until it commits.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(reconcile_sql.CHANGES_CLEAR_ALL.text)


def ledger_check_run(*, trigger: str, full: bool = False) -> LedgerCheck:
    """Reconcile the ledger and record the run. The run row is written first, so
    a check that dies half way shows as started and never finished.

    The reading happens in one REPEATABLE READ snapshot when this is the
    outermost transaction (the nightly job, the command): money keeps moving while
    it runs, and without a snapshot a transfer committed between two of its
    queries would look like a difference."""
    outermost = not connection.in_atomic_block
    return _run(trigger=trigger, full=full, outermost=outermost)


def _run(*, trigger: str, full: bool, outermost: bool) -> LedgerCheck:
    since = None if full else _checkpoint()
    check = LedgerCheck.objects.create(
        trigger=trigger, started_at=clock.real_now(), full=since is None
    )
    upto = _horizon()
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute(ledger_sql.SNAPSHOT.text)
        if since is None:
            problems, read = ledger_problems(), None
            accounts = LedgerAccount.objects.count()
        else:
            problems, read = ledger_problems_since(since)
            accounts = len(read)
    if not problems:
        _advance(since=since or 0, upto=upto, accounts=read)
        check.upto_entry = upto
    check.finished_at = clock.real_now()
    check.accounts = accounts
    check.problem_count = len(problems)
    check.problems = problems[:KEEP_PROBLEMS]
    check.save(update_fields=["finished_at", "accounts", "problem_count", "problems", "upto_entry"])
    if problems:
        log.error("ledger_check: %d problem(s); the first: %s", len(problems), problems[0])
    else:
        log.info("ledger_check: clean (%d accounts)", accounts)
    return check


def ledger_check_nightly() -> LedgerCheck:
    """The nightly job's run (beat, 03:30): incremental, full on the 1st."""
    return ledger_check_run(trigger=LedgerCheck.Trigger.NIGHTLY, full=clock.localdate().day == 1)
