"""`make run`'s command: demo data, web + worker + beat on embedded defaults, one Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

# Real processes (web, worker, beat): `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow


@pytest.mark.django_db
def test_seed_demo_is_safe_to_run_twice():
    call_command("seed_demo")
    call_command("seed_demo")
    assert get_user_model().objects.filter(username__in=["demo", "admin"]).count() == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_runportal(var_dir, port: int, *options: str, **extra_env: str) -> subprocess.Popen:
    """`make run`'s command on embedded defaults (SQLite and the filesystem broker
    under var_dir), in a process group of its own so the test can find leftovers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(DEBUG="1", PORTAL_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", **extra_env)
    return subprocess.Popen(
        [sys.executable, "manage.py", "runportal", "--addr", f"127.0.0.1:{port}", *options],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def group_is_empty(pgid: int) -> bool:
    """True when no process is left in the group runportal led (no orphans)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_runportal_starts_web_worker_and_beat_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    proc = start_runportal(tmp_path, port)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def started() -> bool:
        output = "".join(lines)
        return " ready." in output and "beat: Starting" in output

    try:
        body = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
                if started():
                    break
            except OSError:
                pass
            time.sleep(0.3)  # waiting for three processes to boot, not for a clock rule
        assert body is not None, "the web server never answered"
        assert started(), "".join(lines)
        assert '"broker": "ok"' in body and '"database": "ok"' in body
        assert (tmp_path / "portal.sqlite3").exists()
        # Ctrl-C in a terminal reaches the whole process group.
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = "".join(lines)
    assert proc.returncode == 0
    assert group_is_empty(proc.pid), "a process outlived runportal"
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo / demo-2026" in output
    assert "500100199211232149" in output  # the README's record to try the sign-up with


def test_runportal_stops_everything_and_fails_when_one_process_dies(tmp_path):
    """The web server cannot bind (the port is taken): the worker and beat are
    stopped too and the command exits non-zero, so `make run` reports a failure.
    The broker's password (a production-style URL) never reaches the output."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # A password in the URL as production's Redis has; the filesystem transport
        # ignores it and, unlike an unreachable Redis, lets the worker stop at once.
        broker = "filesystem://:broker-pw-Qx7@localhost/"
        proc = start_runportal(
            tmp_path, taken.getsockname()[1], "--no-demo", CELERY_BROKER_URL=broker
        )
        try:
            output, _ = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0, output
    assert "web stopped; stopping the rest." in output
    assert "web exited unexpectedly." in output
    assert "demo-2026" not in output  # no demo data loaded, no demo logins offered
    assert "filesystem://:**@localhost/" in output and "broker-pw-Qx7" not in output
    assert group_is_empty(proc.pid), "the worker or beat outlived runportal"
