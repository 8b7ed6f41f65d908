"""Celery tasks of the ground floor: each calls one function."""

from celery import shared_task

from core.heartbeat import heartbeat_record
from core.jobs import jobs_relay


@shared_task(acks_late=True, reject_on_worker_lost=True)
def heartbeat() -> None:
    """Every minute (beat): shows the worker and beat are alive."""
    heartbeat_record(name="beat")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def relay_jobs() -> dict:
    """Every minute (beat): the job outbox's relay (core/jobs.py)."""
    return jobs_relay()
