"""Real processes for the fault tests: workers and beat against this test's
database and a private Redis (never the shared services), killed with SIGKILL
by the tests, and always stopped at the end."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.bulk.conftest import (  # noqa: F401 - the bulk tests' fixtures, reused
    _media,
    checked,
    operator,
    regions,
    upload,
)
from tests.processes import BASE_DIR, broker_at, kill_group, portal_env


class Processes:
    """Start the portal's worker and beat; every process is killed at the end."""

    def __init__(self, redis, folder) -> None:
        self.redis, self.folder, self.started = redis, folder, []
        self.env = portal_env(
            REDIS_URL=redis.url,
            CELERY_BROKER_URL=redis.url,
            # A job with no progress for 3 s is presumed dead; the relay runs
            # every second (production: 2 minutes and every minute).
            JOBS_STALLED_AFTER_MINUTES="0.05",
            JOBS_RELAY_EVERY_SECONDS="1",
            PORTAL_VAR_DIR=str(folder),
            MEDIA_ROOT=str(settings.MEDIA_ROOT),  # the uploads this test made
        )

    def _start(self, name: str, command: list[str], **env) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # kill -9 of the group reaches its pool too
        )
        self.started.append(proc)
        return proc

    def worker(self, name: str, *, slow: float = 0, chunk: int = 0) -> subprocess.Popen:
        return self._start(
            name,
            [sys.executable, "-m", "tests.faults.worker", f"{name}-{os.getpid()}"],
            FAULT_SLOW_SECONDS=str(slow),
            FAULT_CHUNK=str(chunk),
        )

    def beat(self) -> subprocess.Popen:
        schedule = str(self.folder / "celerybeat-schedule")
        return self._start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO",
             "--schedule", schedule],
        )  # fmt: skip

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.started:
            kill_group(proc)


@pytest.fixture
def processes(private_redis, tmp_path):
    """Worker and beat starters on a private Redis; this process's Celery app
    sends its jobs to the same Redis."""
    started = Processes(private_redis, tmp_path)
    with broker_at(private_redis.url):
        try:
            yield started
        finally:
            started.stop_all()
