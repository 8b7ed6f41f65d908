"""Celery tasks: each loads what it needs and calls a service."""

from celery import shared_task

from wallet.services.contributions import contributions_post_month, this_month
from wallet.services.notices import premiums_due_notify
from wallet.services.sweep import transfers_sweep


@shared_task
def sweep_unclaimed_transfers() -> int:
    """W9, the morning job (beat: 05:55 and, as a safety net, 06:05)."""
    return transfers_sweep()


@shared_task
def post_monthly_contributions() -> int:
    """This month's personal-account contributions for every active employee."""
    return contributions_post_month(month=this_month())


@shared_task
def notify_premiums_due() -> int:
    """Daily: families hear of a resident premium for this year not paid yet."""
    return premiums_due_notify()
