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


@pytest.mark.django_db
def test_seed_demo_is_safe_to_run_twice():
    call_command("seed_demo")
    call_command("seed_demo")
    assert get_user_model().objects.filter(username__in=["demo", "admin"]).count() == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_runportal_starts_web_worker_and_beat_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(DEBUG="1", PORTAL_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runportal", "--addr", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
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
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo / demo-2026" in output
