"""Celery tasks for people: each calls a service."""

from celery import shared_task

from accounts.services.registrations import registrations_ending_notify


@shared_task
def notify_registrations_ending() -> int:
    """F3, daily: families hear of registrations ending within 30 days."""
    return registrations_ending_notify()
