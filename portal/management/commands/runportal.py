"""Run the whole portal on one machine: web server, Celery worker and beat, on
PostgreSQL and Redis.

`make run` calls this after installing. Unless DATABASE_URL / REDIS_URL name
servers of their own, it starts the embedded PostgreSQL and Redis (pip wheels,
portal/embedded.py) with their data under var/. It migrates, loads the demo
data, then starts the three processes and looks after them: a process that dies is started
again after a pause that doubles with each crash (1 s, 2 s, 4 s … up to 30 s,
back to 1 s once it has stayed up for a minute), so one crash is never an
outage. One that cannot even start (it dies within seconds, several times in a
row: a port already taken, a broken setting) is given up on, and then everything
stops and the command fails. Ctrl-C (or SIGTERM) stops all three, then the
embedded servers.

Production runs the same three processes under supervisord (deploy/).
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psutil
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from kombu.utils.url import maybe_sanitize_url

from accounts.demo import UNCLAIMED_ID
from portal import embedded
from portal.demo import DEMO_LOGINS

FIRST_PAUSE = 1.0  # seconds before the first restart
LONGEST_PAUSE = 30.0
STABLE_AFTER = 60.0  # up this long: the next crash starts from FIRST_PAUSE again
START_SECONDS = 10.0  # a worker or beat dying sooner than this after a start failed to start


@dataclass
class Child:
    """One supervised process and its restart bookkeeping."""

    name: str
    command: list[str]
    # (pid) -> bool: the process is up (the web server: it listens on its port;
    # a port someone else holds does not count). None: up once it has run for
    # START_SECONDS.
    answers: object = None
    proc: subprocess.Popen | None = None
    started: float = 0.0
    was_up: bool = False
    crashes: int = 0  # in a row, for the back-off
    failed_starts: int = 0  # in a row: died before it was ever up
    restart_at: float | None = None
    history: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, cwd=settings.BASE_DIR)
        self.started = time.monotonic()
        self.was_up = False
        self.restart_at = None

    def seen_up(self, now: float) -> bool:
        """Whether this start has come up, remembered once it has. Dying before
        that is a failed start, however slowly a loaded machine got there."""
        if not self.was_up:
            if self.answers is not None:
                self.was_up = self.answers(self.proc.pid)
            else:
                self.was_up = now - self.started >= START_SECONDS
        return self.was_up

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _url(addr: str) -> str:
    """The address to open: by name on the loopback, since passkeys (A10) work
    on a host name only, never on a numeric address."""
    host, _, port = addr.rpartition(":")
    if host in ("127.0.0.1", "0.0.0.0"):  # noqa: S104 (a name to print, not a bind)
        host = "localhost"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = (
        "Migrate, load demo data and run web + Celery worker + beat; a process that "
        "dies is restarted with back-off; Ctrl-C stops all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
        parser.add_argument(
            "--server",
            choices=["runserver", "gunicorn"],
            default="runserver",
            help="web server: Django's development server (default) or gunicorn",
        )
        parser.add_argument(
            "--max-failed-starts",
            type=int,
            default=5,
            help="give up (stop everything, fail) after a process dies this many times in a "
            f"row within {START_SECONDS:.0f} s of being started (default 5)",
        )

    def handle(
        self, *args, addr: str, no_demo: bool, server: str, max_failed_starts: int, **options
    ) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        servers = self._embedded_servers()
        try:
            for one in servers:
                one.start(log=self._server_log(one.name))
            if servers and "DATABASE_URL" not in os.environ:
                embedded.database_create(sockets=embedded.socket_dir(settings.VAR_DIR))
            call_command("migrate", interactive=False, verbosity=0)
            if not no_demo:
                call_command("seed_demo")
            self._serve(addr, server, no_demo, max_failed_starts)
        finally:
            for one in reversed(servers):
                one.stop()

    def _embedded_servers(self) -> list[embedded.Server]:
        """The embedded PostgreSQL and Redis, unless the environment names servers."""
        var, sockets = settings.VAR_DIR, embedded.socket_dir(settings.VAR_DIR)
        servers = []
        if not os.environ.get("DATABASE_URL"):
            servers.append(embedded.postgres(var / "postgres", sockets=sockets))
        if not os.environ.get("REDIS_URL"):
            servers.append(embedded.redis(var / "redis", sockets=sockets))
        return servers

    def _server_log(self, name: str):
        (settings.VAR_DIR / "log").mkdir(exist_ok=True)
        return open(settings.VAR_DIR / "log" / f"{name}.log", "ab")

    def _serve(self, addr: str, server: str, no_demo: bool, max_failed_starts: int) -> None:
        children = [Child(*spec) for spec in self._commands(addr, server)]
        stopping: list[int] = []

        def stop(signum, frame) -> None:
            stopping.append(signum)

        # Ctrl-C (SIGINT) or a process manager's SIGTERM stops everything, even
        # when the shell that started us ignores SIGINT for background jobs.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start()
        self._banner(addr, no_demo)
        given_up: Child | None = None
        worker = next(child for child in children if child.name == "worker")
        logins_again = not no_demo
        try:
            while not stopping and given_up is None:
                given_up = self._look_after(children, max_failed_starts, stopping)
                if logins_again and worker.running and worker.seen_up(time.monotonic()):
                    # The worker's banner has pushed the logins out of sight: again.
                    self.stdout.write(self.style.SUCCESS(f"\nThe portal is at {_url(addr)}"))
                    self._logins(addr)
                    logins_again = False
                time.sleep(0.2)
            if stopping:
                self.stdout.write("\nStopping…")
        finally:
            self._stop_all(children)
        if given_up is not None:
            # A process that cannot start is a failure the caller (make, a
            # process manager) must see: each failed attempt, as it ended.
            n = given_up.failed_starts
            raise CommandError(
                f"{given_up.name} could not be started ({n} attempt{'s' if n != 1 else ''}: "
                f"{', '.join(given_up.history[-n:])})."
            )

    def _commands(self, addr: str, server: str) -> list[tuple]:
        python = sys.executable
        web = (
            [python, "manage.py", "runserver", addr, "--noreload"]
            if server == "runserver"
            else [python, "-m", "gunicorn", "portal.wsgi", "--bind", addr, "--workers", "3"]
        )
        worker = [python, "-m", "celery", "-A", "portal", "worker", "--loglevel=INFO"]
        worker += ["--pool=threads", "--concurrency=2"]
        beat = [python, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO"]
        beat += ["--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]
        _host, _, port = addr.rpartition(":")
        return [
            ("web", web, lambda pid: _listens(pid, int(port))),
            ("worker", worker),
            ("beat", beat),
        ]

    def _banner(self, addr: str, no_demo: bool) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nThe portal is running at {_url(addr)}"))
        if not no_demo:
            self._logins(addr)
        self.stdout.write(
            f"  broker: {maybe_sanitize_url(settings.CELERY_BROKER_URL)}  database: "
            f"{settings.DATABASES['default']['NAME']}"
        )
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")

    def _logins(self, addr: str) -> None:
        for username, password, what in DEMO_LOGINS:
            self.stdout.write(f"  log in as {username} / {password}  ({what})")
        self.stdout.write(f"  or sign up as 赵丽, ID number {UNCLAIMED_ID} (unclaimed record);")
        self.stdout.write(
            f"    the texted code is in the admin's SMS outbox: {_url(addr)}admin/"
            "accounts/outboundmessage/ (log in as admin)"
        )

    def _look_after(self, children: list[Child], max_failed_starts: int, stopping) -> Child | None:
        """Restart what died (after its pause); the child to give up on, if any."""
        now = time.monotonic()
        for child in children:
            if stopping:
                return None  # a Ctrl-C that also stopped a child is not a crash
            if child.running:
                if child.seen_up(now) and now - child.started > STABLE_AFTER:
                    child.crashes = child.failed_starts = 0
            elif child.restart_at is None:  # it has just died
                if self._died(child, now, max_failed_starts):
                    return child
            elif now >= child.restart_at:
                child.start()
                self.stdout.write(f"{child.name} restarted.")
        return None

    def _died(self, child: Child, now: float, max_failed_starts: int) -> bool:
        """Book a death; True when the child is to be given up on."""
        ended = how_it_ended(child.proc.returncode)
        child.history.append(ended)
        child.failed_starts = 0 if child.seen_up(now) else child.failed_starts + 1
        if child.failed_starts >= max_failed_starts:
            self.stderr.write(f"{child.name} stopped ({ended}); stopping the rest.")
            return True
        pause = min(FIRST_PAUSE * 2**child.crashes, LONGEST_PAUSE)
        child.crashes += 1
        child.restart_at = now + pause
        self.stderr.write(
            f"{child.name} stopped ({ended}); restarting it in {pause:.0f} s "
            f"(the other processes keep running)."
        )
        return False

    def _stop_all(self, children: list[Child]) -> None:
        for child in children:
            if child.running:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()


def _listens(pid: int, port: int) -> bool:
    """Whether the process or one of its children listens on `port`."""
    try:
        process = psutil.Process(pid)
        for one in (process, *process.children(recursive=True)):
            for conn in one.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                    return True
    except psutil.Error:
        return False
    return False
