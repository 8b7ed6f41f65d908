"""`make run`'s command: the embedded PostgreSQL and Redis, demo data, web + worker +
beat, one Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
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
    """`make run`'s command on the embedded PostgreSQL and Redis (data under
    var_dir), in a process group of its own so the test can find leftovers."""
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


def test_runportal_starts_web_worker_and_beat_and_stops_on_ctrl_c(server_dir):
    port = free_port()
    proc = start_runportal(server_dir, port)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def started() -> bool:
        output = "".join(lines)
        return " ready." in output and "beat: Starting" in output

    try:
        body = None
        deadline = time.monotonic() + 300
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
        # The embedded servers' data, under var/.
        assert (server_dir / "postgres" / "PG_VERSION").exists()
        assert (server_dir / "redis").is_dir()
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
    assert "database: portal" in output
    assert servers_stopped(server_dir), "an embedded server outlived runportal"


def servers_stopped(var_dir) -> bool:
    """The embedded PostgreSQL and Redis ended with runportal (they run in a
    session of their own, so the process group does not show them)."""
    from portal import embedded

    sockets = embedded.socket_dir(var_dir)
    return (
        not (var_dir / "postgres" / "postmaster.pid").exists()
        and not (sockets / "redis.sock").exists()
    )


def children_of(pid: int) -> dict[int, str]:
    """{pid: command line} of the processes `pid` started (Linux /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found[int(entry)] = command
    return found


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)  # polling other processes, not waiting on a clock rule


def healthz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.mark.slow
def test_a_killed_worker_is_restarted_and_the_web_server_keeps_serving(server_dir):
    """kill -9 the worker: runportal starts it again after a pause, the web
    server and beat are left alone, and Ctrl-C still stops everything."""
    port = free_port()
    proc = start_runportal(server_dir, port, "--no-demo")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: " ready." in "".join(lines) and healthz(port) == 200, 300, "the portal")
        before = children_of(proc.pid)
        worker = next(pid for pid, cmd in before.items() if " worker " in cmd)
        others = {pid for pid in before if pid != worker}
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: "worker restarted." in "".join(lines), 30, "the restart")
        assert healthz(port) == 200  # served throughout
        after = children_of(proc.pid)
        assert worker not in after
        assert others <= set(after)  # web and beat were not touched
        assert any(" worker " in cmd for cmd in after.values())
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = "".join(lines)
    assert "worker stopped (killed by SIGKILL); restarting it in 1 s" in output
    assert proc.returncode == 0, output
    assert group_is_empty(proc.pid), "a process outlived runportal"


def test_runportal_gives_up_on_a_process_that_cannot_start(server_dir):
    """The web server cannot bind (the port is taken): it is given up on (after
    one attempt here; five by default, each after a longer pause, as the killed
    worker's test shows); the worker and beat are stopped too and the command
    exits non-zero, so `make run` reports a failure naming that one attempt,
    however long a busy machine took the web server to fail. The broker's
    password (a production-style URL) never reaches the output."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # A password in the URL as production's Redis has (nothing listens there:
        # the worker keeps trying until it is stopped with the rest).
        broker = f"redis://:broker-pw-Qx7@127.0.0.1:{free_port()}/0"
        proc = start_runportal(
            server_dir,
            taken.getsockname()[1],
            "--no-demo",
            "--max-failed-starts",
            "1",
            CELERY_BROKER_URL=broker,
        )
        try:
            output, _ = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0, output
    assert "web stopped (exit code 1); stopping the rest." in output
    assert "web could not be started (1 attempt: exit code 1)." in output
    assert "demo-2026" not in output  # no demo data loaded, no demo logins offered
    assert "redis://:**@127.0.0.1:" in output and "broker-pw-Qx7" not in output
    assert group_is_empty(proc.pid), "the worker or beat outlived runportal"
    assert servers_stopped(server_dir), "an embedded server outlived runportal"
