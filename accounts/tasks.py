"""Celery tasks: each loads what it needs and calls a service."""

from celery import shared_task

from accounts.services.codes import outbox_redact_expired
from accounts.services.registrations import registrations_ending_notify


@shared_task(acks_late=True, reject_on_worker_lost=True)
def redact_expired_codes() -> int:
    """Blank the one-time codes of outbox texts that have expired (beat: every
    5 minutes; pages mask an expired code at once, this cleans the table)."""
    return outbox_redact_expired()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notify_registrations_ending() -> int:
    """F3, daily: families hear of registrations ending within 30 days."""
    return registrations_ending_notify()
