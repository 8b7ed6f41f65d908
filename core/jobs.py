"""The job outbox: every place that queues work records a ``Job`` in its own
transaction and hands it to Celery once that transaction commits.

Why: a request must never fail, nor leave half-done work, because the broker is
down. The job is in the database whatever the broker says; if the broker does
not answer, the request still succeeds and the job waits here ("queued: will
start when the job queue is back"). The relay — every minute from beat, and
whenever a worker starts — sends what was never accepted, and sends again what
was lost: a job accepted but never started (the broker lost it), and a job
started whose worker died (no progress for ``JOBS_STALLED_AFTER_MINUTES``).

Every job carried this way must be idempotent (each row, transfer or bill done
exactly once however often the job runs): the relay may send a job twice.

Long jobs report progress with ``job_progress()`` (throttled), so a job that is
slow but alive is never mistaken for a dead one.
"""

import datetime
import logging
import time

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import clock, logs
from core.models import Job

log = logging.getLogger(__name__)

HEADER = "portal_job_id"  # the message header carrying the Job's id
PROGRESS_EVERY = 5.0  # seconds: job_progress() writes at most this often per job
RELAY_BATCH = 500
KEEP_DONE_DAYS = 30


def stalled_after() -> datetime.timedelta:
    """No progress for this long: the job's worker is presumed dead (a setting)."""
    return datetime.timedelta(minutes=float(getattr(settings, "JOBS_STALLED_AFTER_MINUTES", 2)))


def max_sends() -> int:
    """A job sent this many times without finishing is given up on (and shown)."""
    return int(getattr(settings, "JOBS_MAX_SENDS", 6))


def job_enqueue(
    *, task: str, args: list | tuple = (), kwargs: dict | None = None, subject: str = "",
    queue: str = "",
) -> Job:  # fmt: skip
    """Record the Celery task `task` in the caller's transaction and send it once
    the transaction commits (never for a rolled-back one). Never raises because
    of the broker: a job it cannot send now stays pending for the relay."""
    job = Job.objects.create(
        task=task,
        args=list(args),
        kwargs=kwargs or {},
        subject=subject,
        queue=queue,
        request_id=logs.request_id.get(),
    )
    transaction.on_commit(lambda: job_send(job_id=job.pk))
    return job


def job_send(*, job_id: int) -> bool:
    """Hand one job to the broker. True if the broker took it; False (the job
    stays as it was, the reason noted) if it did not answer."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status in (Job.Status.DONE, Job.Status.FAILED):
        return False
    return _publish(job)


def job_send_again(*, job_id: int) -> bool:
    """An operator sends a job again (one given up on, after its cause was fixed;
    or one that waits): it starts over as pending. A finished job is left alone."""
    Job.objects.filter(pk=job_id, status__in=(Job.Status.FAILED, Job.Status.PENDING)).update(
        status=Job.Status.PENDING, finished_at=None, sends=0
    )
    return job_send(job_id=job_id)


def _publish(job: Job, *, again: bool = False) -> bool:
    """Send `job`; on success it is waiting for a worker (a job sent again after
    its worker died, too). On failure nothing about it changes but the note."""
    options = {"headers": {HEADER: job.pk, logs.HEADER: job.request_id}}
    if job.queue:
        options["queue"] = job.queue
    try:
        task = _registered(job.task)
        if task is not None:  # a registered task: task_always_eager runs it in place
            task.apply_async(args=job.args, kwargs=job.kwargs, **options)
        else:
            current_app.send_task(job.task, args=job.args, kwargs=job.kwargs, **options)
    except Exception as exc:  # kombu's OperationalError, a refused connection, a timeout
        if current_app.conf.task_always_eager:
            raise  # run in place: a failure is the job's own, not the broker's
        log.warning("job %s (%s) not sent, it stays queued: %s", job.pk, job.task, exc)
        Job.objects.filter(pk=job.pk).update(last_error=f"not sent: {exc}"[:300])
        return False
    # A worker may already have started (or finished) it: never step back from that,
    # unless this is a resend of a job whose worker died.
    waiting = [Job.Status.PENDING, Job.Status.SENT] + ([Job.Status.STARTED] if again else [])
    Job.objects.filter(pk=job.pk, status__in=waiting, runs=job.runs).update(
        status=Job.Status.SENT, sent_at=clock.real_now(), last_error=""
    )
    Job.objects.filter(pk=job.pk).update(sends=F("sends") + 1)
    return True


def _registered(name: str):
    """The task called `name`, importing every app's tasks module first if need
    be (Celery discovers them lazily: a web process may not have yet)."""
    task = current_app.tasks.get(name)
    if task is None:
        current_app.loader.import_default_modules()
        task = current_app.tasks.get(name)
    return task


# -- in the worker: what the job is doing ---------------------------------------------

_last_progress: dict[int, float] = {}


def current_job_id() -> int | None:
    """The outbox id of the Celery task running in this thread, if it has one."""
    from celery import current_task

    request = getattr(current_task, "request", None) if current_task else None
    if request is None:
        return None
    value = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return int(value) if value else None


def job_progress(*args, **kwargs) -> None:
    """The running job made progress (call it per chunk; any arguments are
    ignored, so it fits a service's progress callback). Written at most every
    few seconds."""
    job_id = current_job_id()
    if job_id is None:
        return
    now = time.monotonic()
    if now - _last_progress.get(job_id, 0.0) < PROGRESS_EVERY:
        return
    _last_progress[job_id] = now
    Job.objects.filter(pk=job_id, status=Job.Status.STARTED).update(progress_at=clock.real_now())


def on_task_start(task=None, **kwargs) -> None:
    """celery.signals.task_prerun. A resumable task sent without the outbox (beat
    sends its jobs straight to the broker) gets a Job row here, so that it too is
    started again if its worker dies."""
    job_id = current_job_id()
    now = clock.real_now()
    if job_id is None:
        if not getattr(task, "resumable", False):
            return
        job = Job.objects.create(
            task=task.name,
            args=list(task.request.args or []),
            kwargs=dict(task.request.kwargs or {}),
            queue=(task.request.delivery_info or {}).get("routing_key", "") or "",
            status=Job.Status.STARTED,
            sends=1,
            runs=1,
            sent_at=now,
            started_at=now,
            progress_at=now,
            request_id=logs.request_id.get(),
            worker=task.request.hostname or "",
        )
        task.request.update({HEADER: job.pk})
        return
    Job.objects.filter(pk=job_id).exclude(status=Job.Status.DONE).update(
        status=Job.Status.STARTED,
        started_at=now,
        progress_at=now,
        runs=F("runs") + 1,
        worker=getattr(task.request, "hostname", "") or "",
    )


def on_task_end(task=None, state=None, retval=None, **kwargs) -> None:
    """celery.signals.task_postrun: done, or stopped with an error. A job stopped
    by its soft time limit is left as started: the relay resumes it from its last
    checkpoint once it shows no progress."""
    job_id = current_job_id()
    if job_id is None:
        return
    _last_progress.pop(job_id, None)
    now = clock.real_now()
    if state == "SUCCESS":
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.DONE, finished_at=now, progress_at=now, last_error=""
        )
        return
    from celery.exceptions import SoftTimeLimitExceeded

    error = f"{type(retval).__name__}: {retval}"[:300] if retval is not None else state
    if isinstance(retval, SoftTimeLimitExceeded):
        Job.objects.filter(pk=job_id).update(last_error=logs.redact(error))
        return
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, finished_at=now, last_error=logs.redact(str(error))
    )


# -- the relay ---------------------------------------------------------------------------


def jobs_relay(
    *,
    now: datetime.datetime | None = None,
    restarted_worker: str = "",
    restarted_at: datetime.datetime | None = None,
) -> dict[str, int]:
    """Send what the broker never took; send again what it lost (sent, never
    started) or what a dead worker left half done (started, no progress since
    ``stalled_after()``; or at once, when `restarted_worker` names the worker
    that started again under the same name at `restarted_at`: what it had
    started before then belongs to its previous life, which is over)
    — each job is idempotent; give up on a job sent too many times; forget
    finished jobs after a month. Stops at the first job the broker does not take
    (it is still away). Safe to run concurrently: rows are claimed with SKIP
    LOCKED. Returns counts per kind."""
    now = now or clock.real_now()
    stale = now - stalled_after()
    counts = {"sent": 0, "resent": 0, "given_up": 0, "not_sent": 0}
    due = Q(status=Job.Status.PENDING, created_at__lte=now)
    due |= Q(status=Job.Status.SENT, sent_at__lt=stale)
    due |= Q(status=Job.Status.STARTED, progress_at__lt=stale)
    if restarted_worker:
        due |= Q(
            status=Job.Status.STARTED,
            worker=restarted_worker,
            started_at__lt=restarted_at or now,
        )
    while not counts["not_sent"]:
        with transaction.atomic():
            claimed = list(
                Job.objects.select_for_update(skip_locked=True)
                .filter(due)
                .order_by("created_at", "pk")[:RELAY_BATCH]
            )
            for job in claimed:
                again = job.status != Job.Status.PENDING
                if again and job.sends >= max_sends():
                    _give_up(job, now)
                    counts["given_up"] += 1
                    continue
                if again:
                    log.warning(
                        "job %s (%s) %s since %s: sending it again",
                        job.pk,
                        job.task,
                        "made no progress" if job.status == Job.Status.STARTED else "not started",
                        (job.progress_at or job.sent_at).isoformat(),
                    )
                if not _publish(job, again=again):
                    counts["not_sent"] += 1
                    break  # the broker is still away: the next round tries again
                counts["resent" if again else "sent"] += 1
        if len(claimed) < RELAY_BATCH:
            break
    Job.objects.filter(
        status=Job.Status.DONE, finished_at__lt=now - datetime.timedelta(days=KEEP_DONE_DAYS)
    ).delete()
    if any(counts.values()):
        log.info("job relay: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    return counts


def _give_up(job: Job, now) -> None:
    log.error("job %s (%s) sent %s times without finishing: given up", job.pk, job.task, job.sends)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED,
        finished_at=now,
        last_error=f"given up after {job.sends} sends without finishing",
    )


# -- what a page says about the job working on something ----------------------------------


def job_for(subject: str) -> Job | None:
    """The latest job working on `subject` ("bulk.Batch:12")."""
    return Job.objects.filter(subject=subject).order_by("-created_at", "-pk").first()


def jobs_waiting() -> tuple[int, datetime.datetime | None]:
    """How many jobs the broker has not accepted yet, and since when (for /healthz)."""
    pending = Job.objects.filter(status=Job.Status.PENDING).order_by("created_at")
    oldest = pending.values_list("created_at", flat=True).first()
    return pending.count(), oldest


_booted_at: datetime.datetime | None = None


def on_worker_init(**kwargs) -> None:
    """celery.signals.worker_init: when this worker's life began (before it
    takes any job)."""
    global _booted_at
    _booted_at = clock.real_now()


def on_worker_ready(sender=None, **kwargs) -> None:
    """celery.signals.worker_ready: run the relay once, in the worker's main
    process, sending again at once what this worker's previous life (same node
    name: a restart after a crash) left half done; then let go of the database
    connection (the pool forks later)."""
    from django.db import connections

    try:
        jobs_relay(
            restarted_worker=getattr(sender, "hostname", "") or "",
            restarted_at=_booted_at or clock.real_now(),
        )
    except Exception:  # the database may be away too: beat's next round tries again
        log.exception("job relay at worker start failed")
    finally:
        connections.close_all()


def job_note(job: Job | None, *, now: datetime.datetime | None = None) -> str:
    """What a page should say about the job working on something, in a sentence
    ("" when there is nothing to say: done, or on its way as expected)."""
    from django.utils.translation import gettext as _

    if job is None:
        return ""
    now = now or clock.real_now()

    def hhmm(moment: datetime.datetime) -> str:
        return f"{timezone.localtime(moment):%H:%M}"

    if job.status == Job.Status.PENDING:
        return _(
            "Queued: the job queue is not answering at the moment. The job starts by "
            "itself when it is back; nothing is lost, and you may leave this page."
        )
    if job.status == Job.Status.FAILED:
        return _(
            "The job stopped with an error and was not started again: an operator can "
            "see why under Background jobs (#%(id)s)."
        ) % {"id": job.pk}
    if job.status == Job.Status.SENT and job.sent_at and now - job.sent_at > QUIET_FOR:
        return _(
            "Waiting for a worker since %(time)s. If none starts the job, it is sent "
            "again automatically."
        ) % {"time": hhmm(job.sent_at)}
    if job.status == Job.Status.STARTED and job.progress_at and now - job.progress_at > QUIET_FOR:
        return _(
            "No progress since %(time)s: unless the job goes on, it is started again "
            "automatically by %(restart)s."
        ) % {
            "time": hhmm(job.progress_at),
            "restart": hhmm(job.progress_at + stalled_after() + QUIET_FOR),
        }
    if job.status in (Job.Status.SENT, Job.Status.STARTED) and job.runs > 1:
        return _(
            "The job was started again automatically at %(time)s after its worker stopped."
        ) % {"time": hhmm(job.started_at or job.sent_at)}
    return ""


# A job quiet for longer than this is worth a word on its page (the relay runs
# every minute, so a restart comes within this much after the stall limit too).
QUIET_FOR = datetime.timedelta(minutes=1)
