"""Queueing claims' background work through the job outbox (core.jobs): the job
is recorded with the request and sent after it commits; a broker that is down
leaves it queued, and it starts by itself when the broker is back."""

from core.jobs import job_enqueue
from core.models import Job

SETTLE = "claims.tasks.bills_settle"


def bills_settle_later(*, bill_ids: list[int], acting_user, settled_on: dict | None = None) -> Job:
    """Settle these entered bills in the background (a large import or admin
    selection). `settled_on`: {bill id: date} where the facility settled a bill
    on another day (an import, T2). Returns the job, sent already unless the
    broker did not answer (then it is pending)."""
    days = {str(pk): day.isoformat() for pk, day in (settled_on or {}).items()}
    job = job_enqueue(
        task=SETTLE,
        args=[list(bill_ids), acting_user.pk if acting_user else None, days],
        subject=f"claims.settlement:{len(bill_ids)}",
    )
    job.refresh_from_db()  # outside a transaction the send happened already
    return job
