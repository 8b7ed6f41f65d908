"""Celery tasks of the ground floor: each calls one function."""

from celery import shared_task

from core.heartbeat import heartbeat_record


@shared_task
def heartbeat() -> None:
    """Every minute (beat): shows the worker and beat are alive."""
    heartbeat_record(name="beat")
