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
