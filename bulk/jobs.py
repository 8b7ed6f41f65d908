"""Queueing bulk activation's Celery jobs, by task name.

The tasks call the services; the services queue the tasks through here, by name,
so neither module imports the other (no import cycle: import-linter checks it).
A name that is registered (the worker and this process autodiscover bulk.tasks)
is sent through its task, so ``task_always_eager`` still runs it in place.
"""

from celery import current_app
from django.conf import settings
from django.db import transaction

CHECK = "bulk.tasks.bulk_check"
RUN = "bulk.tasks.bulk_run"


def enqueue(name: str, batch_id: int) -> None:
    """Send a job, on the queue named by BULK_ACTIVATION_QUEUE when set (tests run a
    private worker on a queue of their own)."""
    queue = getattr(settings, "BULK_ACTIVATION_QUEUE", "")
    signature = current_app.signature(name, args=(batch_id,))
    signature.apply_async(**({"queue": queue} if queue else {}))


def enqueue_on_commit(name: str, batch_id: int) -> None:
    """Send the job once the caller's transaction commits (never for a rolled-back
    batch)."""
    transaction.on_commit(lambda: enqueue(name, batch_id))
