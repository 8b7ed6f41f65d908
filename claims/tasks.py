"""Celery tasks for claims: load ids, call a service."""

from celery import shared_task

from claims.services.imports import bills_settle_entered
from core.jobs import job_progress


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bills_settle(bill_ids: list[int], acting_user_id: int | None = None) -> int:
    """Settle entered bills (a large import settles here); see the service. A
    retried or resumed job (claims.jobs, through the job outbox) settles each bill
    once; it reports its progress per bill."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    return bills_settle_entered(bill_ids=bill_ids, acting_user=user, progress=job_progress)
