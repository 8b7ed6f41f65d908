"""Celery tasks for claims: load ids, call a service."""

from celery import shared_task

from claims.models import Bill
from claims.services.bills import bill_settle
from core.jobs import job_progress


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bills_settle(bill_ids: list[int], acting_user_id: int | None = None) -> int:
    """Settle entered bills in date order (a large import settles here). Each bill
    is its own transaction; settling a settled bill changes nothing, so a retried
    or resumed task (claims.jobs, through the job outbox) settles each bill once."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    done = 0
    ids = Bill.objects.filter(pk__in=bill_ids, status=Bill.Status.ENTERED).order_by(
        "service_date", "pk"
    )
    for bill_id in ids.values_list("pk", flat=True):
        bill_settle(bill=bill_id, acting_user=user)
        done += 1
        job_progress()
    return done
