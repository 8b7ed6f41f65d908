"""Celery jobs of bulk proxy activation: each loads a batch id and calls a service.
Their names are bulk.jobs.CHECK and bulk.jobs.RUN. Each reports its progress to
the job outbox per chunk, so a job whose worker died is started again by itself
(and resumes from its last committed chunk)."""

from celery import shared_task

from bulk import services
from core.jobs import job_progress


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bulk_check(batch_id: int) -> None:
    services.batch_check(batch_id=batch_id, progress=job_progress)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bulk_run(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id, progress=job_progress)
