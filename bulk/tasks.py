"""Celery jobs of bulk proxy activation: each loads a batch id and calls a service.
Their names are bulk.jobs.CHECK and bulk.jobs.RUN."""

from celery import shared_task

from bulk import services


@shared_task
def bulk_check(batch_id: int) -> None:
    services.batch_check(batch_id=batch_id)


@shared_task
def bulk_run(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id)
