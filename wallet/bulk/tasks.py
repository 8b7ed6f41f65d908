"""Celery jobs of bulk proxy activation: each loads a batch id and calls a service."""

from celery import shared_task
from django.conf import settings

from wallet.bulk import services


def enqueue(task, batch_id: int) -> None:
    """Send a job, on the queue named by BULK_ACTIVATION_QUEUE when set (tests run a
    private worker on a queue of their own)."""
    queue = getattr(settings, "BULK_ACTIVATION_QUEUE", "")
    task.apply_async((batch_id,), **({"queue": queue} if queue else {}))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bulk_check(batch_id: int) -> None:
    services.batch_check(batch_id=batch_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bulk_run(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id)
