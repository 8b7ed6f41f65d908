"""The production process model (deploy/): web, worker and beat as separate
processes under supervisord, each started again when it dies, so one crash is
not an outage; the systemd units say the same to systemd."""

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
from celery import Celery

from tests.processes import BASE_DIR, free_port, http_status, portal_env, wait_for

DEPLOY = BASE_DIR / "deploy"
PROGRAMS = ("web", "worker", "beat")
RUNNING = {"web-0", "web-1", "worker", "beat"}  # supervisord's process names
KILLED = ("worker", "beat", "web-0")


def test_supervisord_runs_the_procfile_processes_and_restarts_each():
    config = configparser.RawConfigParser()
    config.read(DEPLOY / "supervisord.conf")
    procfile = dict(
        line.split(":", 1) for line in (BASE_DIR / "Procfile").read_text().splitlines() if line
    )
    assert set(procfile) == {*PROGRAMS, "release"}
    for name in PROGRAMS:
        program = config[f"program:{name}"]
        assert program["autorestart"] == "true"
        assert program["stopasgroup"] == program["killasgroup"] == "true"
        assert int(program["startretries"]) >= 10
    # Two web servers on one port: one restarting, the other serving.
    assert config["program:web"]["numprocs"] == "2" and "--reuse-port" in procfile["web"]
    assert "celery -A portal worker" in config["program:worker"]["command"]
    assert "celery -A portal beat" in config["program:beat"]["command"]
    assert "gunicorn portal.wsgi" in config["program:web"]["command"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_the_systemd_units_are_valid_and_always_restart(tmp_path):
    units = sorted(
        [*(DEPLOY / "systemd").glob("*.service"), *(DEPLOY / "systemd").glob("*.target")]
    )
    for unit in units:
        text = unit.read_text()
        if unit.suffix == ".service" and "Type=oneshot" not in text:
            assert "Restart=always" in text and "StartLimitIntervalSec=0" in text, unit.name
        # Point the units at this checkout so systemd can check the commands exist.
        text = text.replace("/srv/portal/.venv/bin/python", sys.executable)
        (tmp_path / unit.name).write_text(text.replace("/srv/portal", str(BASE_DIR)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / u.name) for u in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def supervisorctl(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(DEPLOY / "supervisord.conf")]
        + list(args),
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.stdout


def running_pids(env: dict) -> dict[str, int]:
    """{program: pid} of the programs supervisord reports RUNNING."""
    status = supervisorctl(env, "status")
    return {
        name.split(":")[-1]: int(pid)
        for name, pid in re.findall(r"^(\S+)\s+RUNNING\s+pid (\d+)", status, re.MULTILINE)
    }


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_make_serve_keeps_serving_when_each_process_is_killed(tmp_path, private_redis):
    """Under supervisord (what `make serve` runs), kill -9 the worker, beat and
    one of the two web servers: each is running again within seconds, the site
    answers /healthz 200 meanwhile (the other web server serves); stopping
    supervisord stops everything. (bench/recovery.py kills them in turn and
    measures each.)"""
    port = free_port()
    env = portal_env(
        DEBUG="0",
        SECRET_KEY="test-only-secret-for-the-process-model-Zq8vN3kW7pR2xT5yU9bC",
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=private_redis.url,
        PORTAL_DIR=str(BASE_DIR),
        PORTAL_PYTHON=sys.executable,
        PORTAL_VAR_DIR=str(tmp_path),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
    )
    log = (tmp_path / "serve.log").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(DEPLOY / "supervisord.conf")],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    healthz = f"http://127.0.0.1:{port}/healthz"
    seen: set[int] = set()
    try:
        wait_for(lambda: http_status(healthz) == 200, 120, "the web server")
        pids = wait_for(lambda: (p := running_pids(env)).keys() >= RUNNING and p, 60)
        wait_for(lambda: worker_answers(private_redis.url), 60, "the worker")
        seen |= set(pids.values())
        killed_at = time.monotonic()
        for name in KILLED:
            os.kill(pids[name], signal.SIGKILL)
        assert http_status(healthz) == 200  # web-1 serves while web-0 restarts
        again = wait_for(
            lambda: (
                (p := running_pids(env)).keys() >= RUNNING
                and all(p[name] != pids[name] for name in KILLED)
                and p
            ),
            60,
            "the killed processes to be restarted",
        )
        wait_for(lambda: worker_answers(private_redis.url), 60, "the worker again")
        assert http_status(healthz) == 200
        seen |= set(again.values())
        print(f"worker, beat and web-0 back after kill -9 in {time.monotonic() - killed_at:.1f} s")
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=90)
        finally:
            if supervisor.poll() is None:
                os.killpg(supervisor.pid, signal.SIGKILL)
            log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert supervisor.returncode == 0, output[-3000:]
    wait_for(lambda: not any(alive(pid) for pid in seen), 30, "every process to stop")
    # The production log format: JSON lines.
    assert re.search(r'^\{"time": .*"logger": "celery', output, re.MULTILINE), output[-3000:]


def worker_answers(broker_url: str) -> bool:
    """A worker on that broker answers a ping (a bare app: the portal's own talks
    to the shared Redis)."""
    probe = Celery(broker=broker_url, set_as_current=False)
    try:
        return bool(probe.control.ping(timeout=1))
    finally:
        probe.close()
