"""The job outbox (core/jobs.py): a job is recorded with the work that needs it,
sent after the commit, kept when the broker does not answer, and sent again by
the relay when it was never taken, was lost, or its worker died."""

import datetime
import uuid

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import Job
from portal.celery import app
from tests.processes import broker_at, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """What a commit sets off (the send) happens when the block ends, as after a
    real commit (the test's own transaction is rolled back afterwards)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def queued(queue: str) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


@pytest.fixture
def queue():
    """A queue of this test's own on the broker (parallel runs don't interfere)."""
    name = f"test-{uuid.uuid4().hex}"
    yield name
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(name)


@pytest.fixture
def broker_down():
    """The broker does not answer (nothing listens on the port)."""
    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def test_a_job_is_sent_once_its_transaction_commits(queue, commit):
    with commit():
        with transaction.atomic():
            job = jobs.job_enqueue(task="core.tasks.heartbeat", queue=queue, subject="test:1")
        assert queued(queue) == 0  # nothing leaves before the commit
    job.refresh_from_db()
    assert queued(queue) == 1
    assert (job.status, job.sends, job.subject) == (Job.Status.SENT, 1, "test:1")


def test_a_rolled_back_transaction_leaves_no_job(queue, commit):
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        jobs.job_enqueue(task="core.tasks.heartbeat", queue=queue)
        raise RuntimeError
    assert not Job.objects.exists() and queued(queue) == 0


def test_broker_down_the_job_waits_and_the_relay_sends_it_later(queue, broker_down, commit):
    with commit():
        job = jobs.job_enqueue(task="core.tasks.heartbeat", queue=queue)  # raises nothing
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING and job.last_error.startswith("not sent:")
    assert jobs.jobs_relay() == {"sent": 0, "resent": 0, "given_up": 0, "not_sent": 1}
    assert jobs.jobs_waiting()[0] == 1


def test_the_relay_sends_what_waited_once_the_broker_is_back(queue, commit):
    with broker_at(f"redis://127.0.0.1:{free_port()}/0"), commit():
        waiting = [jobs.job_enqueue(task="core.tasks.heartbeat", queue=queue) for _ in range(3)]
    assert Job.objects.filter(status=Job.Status.PENDING).count() == 3
    assert jobs.jobs_relay()["sent"] == 3
    assert queued(queue) == 3
    assert {j.status for j in Job.objects.filter(pk__in=[w.pk for w in waiting])} == {"sent"}
    assert jobs.jobs_relay() == {"sent": 0, "resent": 0, "given_up": 0, "not_sent": 0}


def test_the_relay_sends_again_a_lost_job_and_one_whose_worker_died(queue, settings):
    settings.JOBS_STALLED_AFTER_MINUTES = 5
    now = timezone.now()
    long_ago = now - datetime.timedelta(minutes=6)
    lost = Job.objects.create(task="core.tasks.heartbeat", queue=queue, status="sent",
                              sent_at=long_ago, sends=1)  # fmt: skip
    dead = Job.objects.create(task="core.tasks.heartbeat", queue=queue, status="started",
                              sent_at=long_ago, progress_at=long_ago, sends=1, runs=1)  # fmt: skip
    alive = Job.objects.create(task="core.tasks.heartbeat", queue=queue, status="started",
                               sent_at=long_ago, progress_at=now, sends=1, runs=1)  # fmt: skip
    tired = Job.objects.create(task="core.tasks.heartbeat", queue=queue, status="started",
                               sent_at=long_ago, progress_at=long_ago, sends=6, runs=6)  # fmt: skip
    assert jobs.jobs_relay() == {"sent": 0, "resent": 2, "given_up": 1, "not_sent": 0}
    assert queued(queue) == 2
    for job in (lost, dead, alive, tired):
        job.refresh_from_db()
    assert (lost.status, lost.sends) == ("sent", 2) and (dead.status, dead.sends) == ("sent", 2)
    assert alive.status == "started"  # slow but alive: left alone
    assert tired.status == "failed" and "given up after 6 sends" in tired.last_error


def test_the_worker_reports_start_progress_and_end(eager_jobs, commit):
    with commit():
        job = jobs.job_enqueue(task="core.tasks.heartbeat")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.runs == 1 and job.finished_at


def test_a_failing_job_is_shown_with_its_error_masked(eager_jobs, monkeypatch, commit):
    def broken(name):
        raise ValueError(f"person 500100199211232149 not found ({name})")

    monkeypatch.setattr("core.tasks.heartbeat_record", broken)
    with commit():
        jobs.job_enqueue(task="core.tasks.heartbeat")
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.last_error == "ValueError: person 5001**********2149 not found (beat)"


def test_a_resumable_job_from_beat_is_recorded_when_it_starts(eager_jobs):
    from wallet.tasks import sweep_unclaimed_transfers

    sweep_unclaimed_transfers.apply_async()  # as beat sends it: not through the outbox
    job = Job.objects.get()
    assert (job.task, job.status, job.runs) == ("wallet.tasks.sweep_unclaimed_transfers", "done", 1)


def test_pages_say_the_truth_about_a_job(english):
    now = timezone.now()
    from django.utils import translation

    with translation.override("en"):
        pending = Job(status="pending")
        assert jobs.job_note(pending, now=now).startswith("Queued: the job queue is not answering")
        stalled = Job(status="started", progress_at=now - datetime.timedelta(minutes=2), runs=1)
        assert jobs.job_note(stalled, now=now).startswith("No progress since")
        again = Job(status="started", progress_at=now, started_at=now, runs=2)
        assert jobs.job_note(again, now=now).startswith("The job was started again automatically")
        assert jobs.job_note(Job(status="started", progress_at=now, runs=1), now=now) == ""
        failed = Job(pk=7, status="failed")
        assert "Background jobs (#7)" in jobs.job_note(failed, now=now)


def test_healthz_counts_what_waits_for_the_broker(english, broker_down):
    client = english(Client())
    jobs.job_enqueue(task="core.tasks.heartbeat")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["jobs"].startswith("1 job queued since ")


def test_a_worker_started_again_sends_at_once_what_its_previous_life_left(queue):
    """kill -9, supervisord starts the worker again under the same name: its half
    done job is sent again at once, not after the stall limit; another worker's
    job, and one this life already started, are left alone."""
    booted = timezone.now()
    before = booted - datetime.timedelta(seconds=20)
    fields = {"task": "core.tasks.heartbeat", "queue": queue, "status": "started", "sends": 1,
              "runs": 1, "sent_at": before, "progress_at": booted}  # fmt: skip
    mine = Job.objects.create(worker="celery@host", started_at=before, **fields)
    other = Job.objects.create(worker="celery@other", started_at=before, **fields)
    fresh = Job.objects.create(worker="celery@host", started_at=booted, **fields)
    counts = jobs.jobs_relay(restarted_worker="celery@host", restarted_at=booted)
    assert counts["resent"] == 1 and queued(queue) == 1
    assert [Job.objects.get(pk=j.pk).status for j in (mine, other, fresh)] == [
        "sent",
        "started",
        "started",
    ]
