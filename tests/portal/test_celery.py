"""Celery: the app, the beat schedule, on-commit task sending, a real worker on Redis."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from core.models import Heartbeat
from core.tasks import heartbeat
from portal.celery import app


def test_beat_schedule_is_defined_in_code():
    schedule = app.conf.beat_schedule
    assert schedule["heartbeat"]["task"] == "core.tasks.heartbeat"
    assert app.conf.timezone == "Asia/Shanghai"


def test_tasks_are_autodiscovered():
    app.loader.import_default_modules()
    assert "core.tasks.heartbeat" in app.tasks


@pytest.mark.django_db(transaction=True)
def test_task_sent_on_commit_runs_on_a_real_worker_over_redis():
    queue = f"test-{uuid.uuid4().hex}"  # a private queue: parallel test runs don't interfere
    with app.connection_for_write() as conn:
        redis = conn.default_channel.client
        with transaction.atomic():
            heartbeat.apply_async_on_commit(queue=queue)
            assert redis.llen(queue) == 0  # nothing is sent before the commit
        assert redis.llen(queue) == 1
    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, queues=[queue]):
        deadline = time.monotonic() + 20
        while not Heartbeat.objects.filter(name="beat").exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # polling the worker's result, not waiting on a clock rule
    assert Heartbeat.objects.get(name="beat").runs == 1


def test_every_job_survives_a_killed_worker():
    """Every job is idempotent, so each is acknowledged only when done and handed
    back if its worker dies; one message at a time; a time limit, and a Redis
    visibility timeout longer than it (a running job is never handed out twice)."""
    from django.conf import settings

    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 8
    for task in ours:
        assert task.acks_late and task.reject_on_worker_lost, task.name
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_time_limit == settings.TASK_TIME_LIMIT
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    redis_options = {"visibility_timeout": 2 * settings.TASK_TIME_LIMIT}
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() >= redis_options.items()
    assert redis_options["visibility_timeout"] > app.conf.task_time_limit
    # The long jobs beat sends straight to the broker are recorded when they start.
    assert {t.name for t in ours if getattr(t, "resumable", False)} == {
        "wallet.tasks.sweep_unclaimed_transfers",
        "wallet.tasks.post_monthly_contributions",
    }
