"""Celery tasks for claims: load ids, call a service."""

import datetime

from celery import shared_task

from claims.services.bills import bills_settle_many
from core.jobs import job_progress


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bills_settle(
    bill_ids: list[int], acting_user_id: int | None = None, settled_on: dict | None = None
) -> int:
    """Settle entered bills in date order (a large import or admin selection;
    see the service). A retried or resumed job (claims.jobs, through the job
    outbox) settles each bill once; it reports its progress per chunk.
    `settled_on`: {bill id: "YYYY-MM-DD"} where the facility settled a bill on
    another day (an import, T2)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    days = {int(pk): datetime.date.fromisoformat(day) for pk, day in (settled_on or {}).items()}
    return bills_settle_many(
        bills=bill_ids, acting_user=user, settled_on=days, progress=job_progress
    ).settled
