"""Queueing the wallet's background work through the job outbox (core.jobs): the
job is recorded with the request and sent after it commits; a broker that is
down leaves it queued, and it starts by itself when the broker is back."""

import datetime

from core.jobs import job_enqueue
from core.models import Job

POST_CONTRIBUTIONS = "wallet.tasks.post_contributions"


def contributions_subject(month: datetime.date) -> str:
    return f"wallet.contributions:{month:%Y-%m}"


def contributions_post_later(*, month: datetime.date, acting_user) -> Job:
    """Post `month`'s contributions in the background (every active employee:
    too long for a request). Returns the job, sent already unless the broker did
    not answer (then it is pending)."""
    job = job_enqueue(
        task=POST_CONTRIBUTIONS,
        args=[month.replace(day=1).isoformat(), acting_user.pk if acting_user else None],
        subject=contributions_subject(month),
    )
    job.refresh_from_db()  # outside a transaction the send happened already
    return job
