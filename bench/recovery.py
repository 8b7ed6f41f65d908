#!/usr/bin/env python
"""Kill each production process with SIGKILL, as an operator trying the portal
would, and measure how long it takes to recover.

Runs `make serve` (supervisord with deploy/supervisord.conf) against a database
of its own (recreated, migrated, demo data loaded) and a redis-server of its own
on a free port — never the shared ones. While a prober asks for /healthz and the
log-in page every 100 ms, it kills the worker, beat and the web server in turn
(`kill -9` of each program's main process) and prints, per process: the time
until supervisord has it running again, the time until it works again (web:
/healthz 200; worker: answers a ping; beat: a periodic job it sent is run), and
how many probe requests failed meanwhile. Then a job: a bulk batch of --rows
rows is uploaded, checked and confirmed through the pages' services, and the
worker is killed half way through opening the wallets; the batch finishes by
itself (the job outbox sends it again once it shows no progress for
JOBS_STALLED_AFTER_MINUTES; --stalled-minutes sets it for the trial). It prints
the delay this cost against the pace before the kill. Last line: the slowest
process recovery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_recovery \\
        .venv/bin/python bench/recovery.py [--rounds 3] [--rows 100000] [--stalled-minutes 2]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _wallet_common import ROOT, recreate_database

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench_recovery"
CONF = ROOT / "deploy" / "supervisord.conf"
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait(condition, timeout: float = 120) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"gave up after {timeout:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - start


class Prober(threading.Thread):
    """GET /healthz and /login/ every 100 ms; remembers every failure's time."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.stop, self.failures, self.total = base, threading.Event(), [], 0

    def run(self) -> None:
        while not self.stop.is_set():
            for path in ("/healthz", "/login/"):
                self.total += 1
                if status_of(self.base + path) != 200:
                    self.failures.append(time.monotonic())
            time.sleep(0.1)

    def failed_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.failures if start <= t <= end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="kills per process (default 3)")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="bulk batch rows (default 100000)"
    )
    parser.add_argument(
        "--stalled-minutes",
        type=float,
        default=2,
        help="JOBS_STALLED_AFTER_MINUTES for the trial (default 2, the setting's default)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    recreate_database(url)
    var = Path(tempfile.mkdtemp(prefix="portal-recovery-"))
    redis_port, web_port = free_port(), free_port()
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(redis_port)]
        + ["--save", "", "--appendonly", "no", "--dir", str(var)],
        stdout=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": "bench-only-secret-key-for-the-recovery-trial-Zq8vN3kW7pR2xT5y",
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
        "BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "2",
        "LOG_LEVEL": "INFO",
        "JOBS_STALLED_AFTER_MINUTES": str(args.stalled_minutes),
        "MEDIA_ROOT": str(var / "media"),
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    log = (var / "serve.log").open("wb")
    serve = subprocess.Popen(
        ["make", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"

    def ctl(*words: str) -> str:
        return subprocess.run(
            [PYTHON, "-m", "supervisor.supervisorctl", "-c", str(CONF), *words],
            env=env, capture_output=True, text=True, timeout=30,
        ).stdout  # fmt: skip

    def pids() -> dict[str, int]:
        found = re.findall(r"^(\S+)\s+RUNNING\s+pid (\d+)", ctl("status"), re.MULTILINE)
        return {name.split(":")[-1]: int(pid) for name, pid in found}

    def worker_answers() -> bool:
        out = subprocess.run(
            [PYTHON, "-m", "celery", "-A", "portal", "inspect", "ping", "-t", "1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=30,
        ).stdout  # fmt: skip
        return "pong" in out

    def heartbeats() -> int:
        """Periodic jobs run so far (the heartbeat table, read directly)."""
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            return conn.execute("SELECT coalesce(sum(runs), 0) FROM portal_heartbeat").fetchone()[0]

    figures: dict[str, list[tuple[float, float, int]]] = {"worker": [], "beat": [], "web-0": []}
    prober = Prober(base)
    try:
        print(f"make serve: web on {base}, redis on {redis_port}, state in {var}")
        wait(lambda: status_of(base + "/healthz") == 200, 180)
        wait(lambda: pids().keys() >= {*figures, "web-1"}, 60)
        wait(worker_answers, 60)
        prober.start()
        time.sleep(2)
        kill_rounds(args.rounds, figures, pids, base, worker_answers, prober)
        # Beat works again when the every-minute job it sends is run again.
        before = heartbeats()
        beat_wait = wait(lambda: heartbeats() > before, 90)
        print(f"beat: a periodic job ran {beat_wait:.0f} s after the last beat restart")
        job_trial(env, args.rows, lambda: pids()["worker"])
    finally:
        prober.stop.set()
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        redis.kill()
        log.close()
    report(prober, figures)


def kill_rounds(rounds: int, figures: dict, pids, base: str, worker_answers, prober) -> None:
    """kill -9 each process in turn, `rounds` times, and time its recovery."""
    for n in range(rounds):
        for name in figures:
            old = pids()[name]
            killed = time.monotonic()
            os.kill(old, signal.SIGKILL)
            running = wait(lambda name=name, old=old: pids().get(name, old) != old)
            if name.startswith("web"):
                wait(lambda: status_of(base + "/healthz") == 200)
            elif name == "worker":
                wait(worker_answers)
            working = time.monotonic() - killed
            failed = prober.failed_between(killed, time.monotonic() + 0.5)
            figures[name].append((running, working, failed))
            print(
                f"round {n + 1}: kill -9 {name:6} → running again in {running:4.1f} s, "
                f"working in {working:4.1f} s; {failed} probe requests failed"
            )
            time.sleep(2)


def report(prober, figures: dict) -> None:
    print(f"probe requests: {prober.total}, failed: {len(prober.failures)}")
    worst = 0.0
    for name, rows in figures.items():
        working = [w for _, w, _ in rows]
        worst = max(worst, *working)
        print(
            f"{name:6}: working again after kill -9 in {statistics.median(working):.1f} s "
            f"(median of {len(rows)}), worst {max(working):.1f} s; "
            f"failed probes {sum(f for _, _, f in rows)}"
        )
    print(f"slowest recovery after kill -9: {worst:.1f} s")


def job_trial(env: dict, rows: int, worker_pid) -> None:
    """A bulk batch whose worker is killed half way: it finishes by itself."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bulk_activate import create_people, write_file
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from bulk.models import Batch
    from bulk.services import batch_confirm, batch_upload

    operator = get_user_model().objects.create_user(username="bench-recovery", is_staff=True)
    path = Path(env["PORTAL_VAR_DIR"]) / "batch.csv"
    write_file(path, create_people(rows, offset=500_000))
    with path.open("rb") as binary:
        batch = batch_upload(file=File(binary, name=path.name), uploaded_by=operator)

    def status() -> Batch:
        return Batch.objects.get(pk=batch.pk)

    wait(lambda: status().status == Batch.Status.CHECKED, 600)
    pid = worker_pid()  # asked now: supervisorctl takes a while to answer
    batch_confirm(batch_id=batch.pk, acting_user=operator)
    started = time.monotonic()
    wait(lambda: status().n_activated >= rows // 3, 600)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    before_kill = killed - started
    done_before = status().n_activated
    if done_before >= rows:
        raise SystemExit("the batch finished before the kill: use more --rows")
    wait(lambda: status().status == Batch.Status.DONE, 1800)
    after = time.monotonic() - killed
    pace = done_before / before_kill
    left_at_kill = rows - done_before
    expected = left_at_kill / pace
    final = status()
    from core.jobs import job_for

    job = job_for(f"bulk.Batch:{batch.pk}")
    print(
        f"bulk batch of {rows:,} rows, worker killed at {done_before:,} opened "
        f"({before_kill:.0f} s in): finished by itself {after:.0f} s later "
        f"(about {expected:.0f} s of work left: {after - expected:.0f} s lost to the kill, "
        f"JOBS_STALLED_AFTER_MINUTES={env['JOBS_STALLED_AFTER_MINUTES']}); "
        f"opened {final.n_activated:,}, failed {final.n_failed}; the job was started "
        f"{job.runs} times"
    )


if __name__ == "__main__":
    main()
