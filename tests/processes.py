"""Real processes for the fault tests: a private Redis on a free port, the
portal's own processes (a Celery worker, supervisord) against this test's
database, and small helpers to wait for them. Tests kill only what they started
here; the shared PostgreSQL and Redis are never touched."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.embedded import redis_server

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float = 60, what: str = "it", interval: float = 0.1):
    """Poll another process until `condition()` is truthy (returned)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)  # polling a process, not waiting on a clock rule


def database_url() -> str:
    """This test's database (the xdist worker's test database), for subprocesses."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class PrivateRedis:
    """A redis-server of this test's own, which the test may stop and start again
    (on the same port) to play a broker outage."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or str(redis_server()),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, 20, "the private redis-server")

    def answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s,
        ):
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        """Gone at once, as a crashed server is (SIGKILL: nothing saved)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


def portal_env(**extra: str) -> dict[str, str]:
    """The environment of a portal process against this test's database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="portal.settings",
        PYTHONUNBUFFERED="1",
        HTTPS_ONLY="0",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def start_worker(
    broker_url: str, log: Path, *, queues: str = "celery", pool: str = "prefork", **env: str
) -> subprocess.Popen:
    """A real Celery worker process (its own process group, so kill -9 reaches
    its pool's children too) consuming `queues` from `broker_url`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=INFO",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queues,
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"fault-{os.getpid()}-{time.monotonic_ns()}@%h",
        ],
        cwd=BASE_DIR,
        env=portal_env(REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url, **env),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    """kill -9 a process started with start_new_session, and its children."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=20)


def http_status(url: str, timeout: float = 3) -> int | None:
    """The HTTP status of a GET to a local server, None when nothing answers."""
    assert url.startswith("http://127.0.0.1:")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@contextlib.contextmanager
def broker_at(url: str):
    """This process's Celery app (and /healthz) talk to the broker at `url` for
    the duration (a private Redis a test may stop): never the shared one."""
    from portal.celery import app

    def forget_connections() -> None:
        # Celery keeps (kombu's, per broker URL) connection and producer pools on
        # the app; both would go on talking to the old broker.
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url, settings.CELERY_BROKER_URL
    forget_connections()
    app.conf.broker_url = settings.CELERY_BROKER_URL = url
    try:
        yield app
    finally:
        forget_connections()
        app.conf.broker_url, settings.CELERY_BROKER_URL = old
