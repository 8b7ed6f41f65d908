"""Celery tasks: each loads what it needs and calls a service."""

from celery import shared_task

from accounts.services.codes import outbox_redact_expired


@shared_task
def redact_expired_codes() -> int:
    """Blank the one-time codes of outbox texts that have expired (beat: every
    5 minutes; pages mask an expired code at once, this cleans the table)."""
    return outbox_redact_expired()
