"""Celery tasks: each loads what it needs and calls a service."""

import datetime

from celery import shared_task

from core.jobs import job_progress
from wallet.services.contributions import contributions_post_month, this_month
from wallet.services.notices import premiums_due_notify
from wallet.services.reconcile import ledger_check_nightly
from wallet.services.sweep import transfers_sweep

# resumable: beat sends these straight to the broker; the job outbox records them
# when they start, so one whose worker dies is started again by itself.


@shared_task(acks_late=True, reject_on_worker_lost=True, resumable=True)
def sweep_unclaimed_transfers() -> int:
    """W9, the morning job (beat: 05:55 and, as a safety net, 06:05)."""
    return transfers_sweep(progress=job_progress)


@shared_task(acks_late=True, reject_on_worker_lost=True, resumable=True)
def post_monthly_contributions() -> int:
    """This month's personal-account contributions for every active employee."""
    return contributions_post_month(month=this_month(), progress=job_progress)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def post_contributions(month: str, acting_user_id: int | None = None) -> int:
    """A month's contributions posted from the admin (through the job outbox)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    return contributions_post_month(
        month=datetime.date.fromisoformat(month), acting_user=user, progress=job_progress
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ledger_check() -> int:
    """W10, nightly: reconcile the ledger and record the result (read-only, so a
    repeated run only records another check). Returns the number of problems."""
    return ledger_check_nightly().problem_count


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notify_premiums_due() -> int:
    """Daily: families hear of a resident premium for this year not paid yet."""
    return premiums_due_notify()
