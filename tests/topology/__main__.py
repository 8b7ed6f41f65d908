"""`make test-topology`: the portal on several machines, all on this one.

Brings up, each a process of this run's own (ports 18000–18003 and
55430–55431, state in var/topology/):

  PostgreSQL primary ──streaming──▶ replica (pg_basebackup, deploy/postgresql/)
  Redis (broker, cache)
  two web servers (gunicorn, the Procfile's web line) behind HAProxy
  (deploy/haproxy.cfg), with REPLICA_DATABASE_URL set
  two Celery workers and beat (the Procfile's lines)

then signed-in families and an administrator use the portal through the load
balancer (pages, exports, admin lists, transfers sent and accepted) while the
run stops the replica and then one web server. Each phase is a fixed number of
requests (--requests). It prints a table by phase, then, last:

  topology: N requests, F failed, R% reads on the replica

and fails unless no request failed, the replica served reads while it was up,
no one read the replica just after their own write, transfers went through
and the ledger balances (W10). Everything it started is stopped at the end,
also on a failure or Ctrl-C.
"""

import argparse
import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.topology import nodes, traffic

ROOT = nodes.ROOT
VAR = ROOT / "var" / "topology"
LB, WEB1, WEB2, REDIS = 18000, 18001, 18002, 18003
PRIMARY, REPLICA = 55430, 55431
DATABASE = "portal_topology"
PASSWORD = "topology-Run-2026"  # the run's own throwaway logins


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per phase (300)")
    parser.add_argument("--families", type=int, default=4, help="families sending money (4)")
    parser.add_argument(
        "--phase-timeout", type=float, default=300, help="longest a phase may take (s)"
    )
    return parser.parse_args()


def ports_free() -> None:
    for port in (LB, WEB1, WEB2, REDIS, PRIMARY, REPLICA):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise SystemExit(f"topology: port {port} is taken; stop what uses it.") from None


def portal_env(primary: nodes.PostgreSQL, replica: nodes.PostgreSQL) -> dict[str, str]:
    """The production-like environment of every portal process of the run."""
    venv_bin = str(Path(sys.executable).parent)
    state = VAR / "portal"
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REPLICA_"))},
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": primary.url(DATABASE),
        "REPLICA_DATABASE_URL": replica.url(DATABASE),
        "REDIS_URL": f"redis://127.0.0.1:{REDIS}/0",
        "SECRET_KEY": "topology-run-only-secret-key-Vb2qL9xT4mN7pR1sZ8wK3yH6",
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "STAFF_2FA": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_VAR_DIR": str(state),
        "STATIC_ROOT": str(state / "static"),
        "MEDIA_ROOT": str(state / "media"),
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


class Topology:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        pg = VAR / "pg"
        self.primary = nodes.PostgreSQL("primary", pg, PRIMARY)
        self.replica = nodes.PostgreSQL("replica", pg, REPLICA)
        self.env = portal_env(self.primary, self.replica)
        self.logs = VAR / "logs"
        self.processes: dict[str, nodes.Process] = {}
        self.redis = None

    # --- up ---------------------------------------------------------------
    def clean(self) -> None:
        """What an earlier, killed run left: its servers stopped, its folder gone."""
        for server in (self.replica, self.primary):
            server.stop("immediate")
        shutil.rmtree(VAR, ignore_errors=True)
        for folder in (VAR / "pg", self.logs, VAR / "portal"):
            folder.mkdir(parents=True)
        nodes.own_for_postgres(VAR / "pg")

    def up(self) -> None:
        from tests.processes import PrivateRedis

        step("PostgreSQL primary on", PRIMARY)
        self.primary.init_primary()
        self.primary.start()
        sql(self.primary, "postgres", f'CREATE DATABASE "{DATABASE}"')
        step("streaming replica (pg_basebackup) on", REPLICA)
        self.replica.init_replica(self.primary)
        self.replica.start()
        wait(
            lambda: sql(self.primary, "postgres", STREAMING)[0][0] > 0, 120, "the replica to stream"
        )
        step("Redis on", REDIS)
        self.redis = PrivateRedis(VAR, port=REDIS)
        self.redis.start()
        step("release: migrate, collectstatic (the Procfile's release line)")
        self.run_logged("release", ["/bin/sh", "-c", nodes.procfile()["release"]])
        self.run_logged("seed_demo", [sys.executable, "manage.py", "seed_demo"])
        self.people = seed(self.args.families)
        self.start_portal()
        step("HAProxy on", LB)
        lb_env = {**self.env, "PORTAL_LB_BIND": f"127.0.0.1:{LB}",
                  "PORTAL_WEB1": f"127.0.0.1:{WEB1}", "PORTAL_WEB2": f"127.0.0.1:{WEB2}",
                  "PORTAL_HEALTH_HOST": "127.0.0.1"}  # fmt: skip
        self.processes["haproxy"] = nodes.haproxy(lb_env, self.logs / "haproxy.log").start()
        wait(lambda: healthy(LB), 60, "the load balancer")
        wait(self.replica_caught_up, 120, "the replica to replay the seeded data")

    def start_portal(self) -> None:
        lines = nodes.procfile()
        for name, port in (("web1", WEB1), ("web2", WEB2)):
            env = {**self.env, "BIND": f"127.0.0.1:{port}"}
            self._start(nodes.portal_process(name, lines["web"], env, self.log(name)))
        for name in ("worker1", "worker2"):
            self._start(
                nodes.portal_process(name, lines["worker"], self.env, self.log(name), "-n",
                                     f"{name}@%h", "--without-mingle")
            )  # fmt: skip
        self._start(nodes.portal_process("beat", lines["beat"], self.env, self.log("beat")))
        step("two web servers, two workers, beat: waiting until each answers")
        for port in (WEB1, WEB2):
            wait(lambda port=port: healthy(port), 240, f"the web server on {port}")
        wait(workers_answer, 240, "both Celery workers to answer a ping")
        wait(lambda: self.processes["beat"].log_has("beat: Starting"), 240, "beat to start")
        for process in self.processes.values():
            if not process.running:
                raise SystemExit(f"topology: {process.name} stopped; see {process.log}")

    def _start(self, process: nodes.Process) -> None:
        self.processes[process.name] = process.start()

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def run_logged(self, name: str, command: list[str]) -> None:
        with self.log(name).open("ab") as out:
            done = subprocess.run(command, cwd=ROOT, env=self.env, stdout=out,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        if done.returncode:
            raise SystemExit(f"topology: {name} failed; see {self.log(name)}")

    def replica_caught_up(self) -> bool:
        (position,) = sql(self.primary, DATABASE, "SELECT pg_current_wal_flush_lsn()::text")[0]
        return sql(self.replica, DATABASE,
                   f"SELECT pg_last_wal_replay_lsn() >= '{position}'::pg_lsn")[0][0]  # fmt: skip

    # --- traffic --------------------------------------------------------------
    def drive(self) -> traffic.Tally:
        base = f"http://127.0.0.1:{LB}"
        window = float(self.env.get("REPLICA_READ_YOUR_WRITES_SECONDS") or 5)
        tally = self.tally = traffic.Tally(window)
        year, demo = self.people["year"], self.people["demo"]
        people = [
            (traffic.family, (base, tally, family, PASSWORD, year))
            for family in self.people["families"]
        ]
        demo_pages = ["/", "/claims/bills/", "/claims/summary/", f"/wallet/statement/{demo}/",
                      f"/claims/summary/{demo}/{year}.csv"]  # fmt: skip
        admin_pages = ["/admin/wallet/transfer/", "/admin/accounts/insuredperson/",
                       "/admin/wallet/ledgerentry/", "/admin/claims/bill/"]  # fmt: skip
        people.append((traffic.reader, (base, tally, "demo", "demo-2026", demo_pages)))
        people.append((traffic.reader, (base, tally, "admin", "admin-2026", admin_pages)))
        threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in people]
        step(f"traffic: {len(threads)} people signed in through the load balancer")
        for thread in threads:
            thread.start()
        browsers = 2 * len(self.people["families"]) + 2
        wait(lambda: tally.total >= 2 * browsers, 300, "everyone to sign in")
        phases = (
            ("all up", None),
            ("replica stopped", self.stop_replica),
            ("replica and web1 stopped", self.stop_web1),
        )
        for name, action in phases:
            cpu_before = self.cpu_now()
            tally.begin(name, self.args.requests)
            if action:
                action()
            if not tally.reached.wait(self.args.phase_timeout):
                tally.failures.append(f"{name}: fewer than {self.args.requests} requests in time")
            tally.phase.seconds = time.monotonic() - tally.phase.began
            if action is None:  # all up: what the requests cost, by role
                after = self.cpu_now()
                tally.cpu = {role: after[role] - cpu_before[role] for role in after}
        tally.closed = True
        for thread in threads:
            thread.join(timeout=120)
        return tally

    def cpu_roles(self) -> dict[str, list[int]]:
        """The processes of each role, by the pid at the top of its tree."""
        pids = {name: p.proc.pid for name, p in self.processes.items() if p.running}
        servers = {"primary": self.primary, "replica": self.replica}
        postmasters = {name: nodes.postmaster_pid(server) for name, server in servers.items()}
        return {
            **{name: [pid] if pid else [] for name, pid in postmasters.items()},
            "web": [pids[n] for n in ("web1", "web2") if n in pids],
            "balancer": [pids["haproxy"]] if "haproxy" in pids else [],
            "broker": [self.redis.proc.pid] if self.redis and self.redis.proc else [],
            "workers": [pids[n] for n in ("worker1", "worker2", "beat") if n in pids],
        }

    def cpu_now(self) -> dict[str, float]:
        return {role: nodes.cpu_seconds(pids) for role, pids in self.cpu_roles().items()}

    def stop_replica(self) -> None:
        step("stopping the replica (pg_ctl stop -m fast) while traffic runs")
        self.replica.stop("fast")
        self.tally.replica_gone_at = time.monotonic()

    def stop_web1(self) -> None:
        step("stopping web1 (SIGTERM: gunicorn's graceful stop) while traffic runs")
        self.processes["web1"].stop()

    # --- down ----------------------------------------------------------------
    def down(self) -> None:
        for name in ("haproxy", "web1", "web2", "worker1", "worker2", "beat"):
            if name in self.processes:
                self.processes[name].stop()
        if self.redis is not None:
            self.redis.stop()
        self.replica.stop()
        self.primary.stop()


STREAMING = "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"


def sql(server: nodes.PostgreSQL, database: str, statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(server.url(database), autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def healthy(port: int) -> bool:
    from tests.processes import http_status

    return http_status(f"http://127.0.0.1:{port}/healthz") == 200


def workers_answer() -> bool:
    from portal.celery import app

    names = {name.split("@")[0] for reply in app.control.ping(timeout=2) for name in reply}
    return {"worker1", "worker2"} <= names


def wait(condition, timeout: float, what: str):
    from tests.processes import wait_for

    try:
        return wait_for(condition, timeout, what, interval=0.25)
    except AssertionError as error:
        raise SystemExit(f"topology: {error}") from None


def step(*words) -> None:
    print("topology:", *words, flush=True)


def seed(families: int) -> dict:
    """The run's people, in the portal's database: `families` employee/parent
    pairs with money and open wallets (bench/_wallet_common.py), each with a
    login; the wallet rules opened up so that the run's transfers are never
    refused for the hour (W7) or the day's count (W6)."""
    import datetime

    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "bench"))
    from _wallet_common import create_pairs, pair_ids
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.models import InsuredPerson
    from core import clock
    from wallet.models import WalletPolicy

    create_pairs(families)
    users = get_user_model().objects
    hashed = make_password(PASSWORD)
    people = []
    # create_pairs names its people e0, p0, e1, …: the demo family is not theirs.
    made = set(
        InsuredPerson.objects.filter(name__regex=r"^[ep][0-9]+$").values_list("pk", flat=True)
    )
    pairs = [pair for pair in pair_ids() if set(pair) <= made]
    for i, (employee, parent) in enumerate(pairs[:families]):
        for kind, pk in (("employee", employee), ("parent", parent)):
            user = users.create(username=f"topology-{kind}-{i}", password=hashed)
            InsuredPerson.objects.filter(pk=pk).update(user=user)
        people.append({"employee": employee, "parent": parent,
                       "employee_login": f"topology-employee-{i}",
                       "parent_login": f"topology-parent-{i}"})  # fmt: skip
    policy = WalletPolicy.current()
    policy.daily_count = 30000
    policy.quiet_start = policy.quiet_end = datetime.time(0, 0)  # an empty range: none
    policy.save()
    demo = InsuredPerson.objects.get(user__username="demo").pk
    return {"families": people, "demo": demo, "year": clock.localdate().year}


def report(tally: traffic.Tally) -> list[str]:
    """The table by phase; the reasons the run fails (empty: it passed)."""
    print(
        f"{'phase':28} {'requests':>8} {'seconds':>7} {'failed':>6} {'replica':>7}  primary (why)"
    )
    for phase in tally.phases:
        why = ", ".join(
            f"{n} {key.split('; ')[1]}" for key, n in sorted(phase.reads.items()) if "; " in key
        )
        print(f"{phase.name:28} {phase.requests:8} {phase.seconds:7.1f} {phase.failed:6} "
              f"{phase.reads['replica']:7}  {why or '-'}")  # fmt: skip
    cpu, requests = tally.cpu, tally.phases[1].requests
    serving = ("primary", "replica", "web", "balancer", "broker")
    served = sum(cpu.get(role, 0) for role in serving) or math.nan
    print(
        "cpu while all up: "
        + ", ".join(f"{role} {seconds:.1f} s" for role, seconds in cpu.items())
        + f"; {requests} requests in {tally.phases[1].seconds:.1f} s: "
        f"{requests / served:.1f} requests per CPU-second of databases, web, balancer and broker"
    )
    problems = list(tally.failures[:20])
    if not tally.phases[1].reads["replica"]:
        problems.append("no page was read from the replica while it was up")
    if tally.replica_after_stop:
        problems.append(f"{tally.replica_after_stop} pages said they read a stopped replica")
    if tally.own_write_misses:
        problems.append(f"{tally.own_write_misses} reads from the replica just after own writes")
    print(f"read-your-writes: {tally.own_write_reads} reads within the window after the "
          f"reader's own form, {tally.own_write_misses} of them from the replica")  # fmt: skip
    problems += money_checked()
    return problems


def money_checked() -> list[str]:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from wallet.models import Transfer

    sent = Transfer.objects.count()
    accepted = Transfer.objects.filter(state=Transfer.State.ACCEPTED).count()
    print(f"transfers: {sent} sent, {accepted} accepted")
    problems = [] if accepted else ["no transfer was accepted"]
    try:
        call_command("ledger_check")
    except CommandError as error:
        problems.append(str(error))
    return problems


def main() -> int:
    args = parse_args()
    top = Topology(args)
    # This process reads and seeds the portal's database too (the primary).
    os.environ.update({k: v for k, v in top.env.items() if k != "REPLICA_DATABASE_URL"})
    os.environ["LOG_LEVEL"] = "WARNING"

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    ports_free()
    top.clean()
    started = time.monotonic()
    problems, tally = ["interrupted"], None
    try:
        top.up()
        tally = top.drive()
        problems = report(tally)
    except KeyboardInterrupt:
        print("topology: interrupted; stopping everything", flush=True)
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            top.down()
    for problem in problems:
        print(f"topology: FAILED: {problem}")
    print(f"topology: {time.monotonic() - started:.0f} s; logs in {VAR.relative_to(ROOT)}/")
    if tally is None:
        return 1
    total = tally.total
    failed = sum(p.failed for p in tally.phases)
    reads = sum(sum(p.reads.values()) for p in tally.phases)
    on_replica = sum(p.reads["replica"] for p in tally.phases)
    share = 100 * on_replica / reads if reads else 0
    print(f"topology: {total} requests, {failed} failed, {share:.0f}% reads on the replica")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
