"""Celery tasks: each loads what it needs and calls a service."""

from celery import shared_task

from wallet.models import LedgerCheck
from wallet.services.contributions import contributions_post_month, this_month
from wallet.services.reconcile import ledger_check_run
from wallet.services.sweep import transfers_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_unclaimed_transfers() -> int:
    """W9, the morning job (beat: 05:55 and, as a safety net, 06:05)."""
    return transfers_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def post_monthly_contributions() -> int:
    """This month's personal-account contributions for every active employee."""
    return contributions_post_month(month=this_month())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ledger_check() -> int:
    """W10, nightly: reconcile the ledger and record the result (read-only, so a
    repeated run only records another check). Returns the number of problems."""
    return ledger_check_run(trigger=LedgerCheck.Trigger.NIGHTLY).problem_count
