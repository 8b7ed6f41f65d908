"""Queueing bulk activation's Celery jobs, by task name, through the job outbox
(core.jobs): the job is recorded in the caller's transaction and sent once it
commits, so a broker that is down never fails an upload or a confirmation — the
batch page says the job is queued and it starts by itself when the broker is back.

The tasks call the services; the services queue the tasks through here, by name,
so neither module imports the other (no import cycle: import-linter checks it).
"""

from django.conf import settings

from core.jobs import job_enqueue

CHECK = "bulk.tasks.bulk_check"
RUN = "bulk.tasks.bulk_run"


def subject(batch_id: int) -> str:
    """How the outbox names a batch (core.jobs.job_for finds its latest job)."""
    return f"bulk.Batch:{batch_id}"


def enqueue_on_commit(name: str, batch_id: int) -> None:
    """Record the job with the caller's transaction; it is sent once that commits
    (never for a rolled-back batch), on the queue named by BULK_ACTIVATION_QUEUE
    when set (tests run a private worker on a queue of their own)."""
    job_enqueue(
        task=name,
        args=[batch_id],
        subject=subject(batch_id),
        queue=getattr(settings, "BULK_ACTIVATION_QUEUE", ""),
    )
