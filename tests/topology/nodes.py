"""The topology's servers, each a process of this run's own: PostgreSQL primary
and streaming replica (Debian's binaries, data folders under var/topology/),
a load balancer (Debian's HAProxy with deploy/haproxy.cfg), and the portal's
processes started from the Procfile's lines, as a platform would start them.

Every process is started in a session of its own and stopped by its process
group; PostgreSQL by pg_ctl. Nothing here touches a server it did not start."""

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def procfile() -> dict[str, str]:
    """The Procfile's commands by name: the one list of the portal's processes."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    pairs = (line.split(":", 1) for line in lines if line)
    return {name.strip(): command.strip() for name, command in pairs}


def pg_bindir() -> Path:
    """Debian's PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)."""
    given = os.environ.get("PG_BINDIR")
    found = [Path(given)] if given else sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    for folder in reversed(found):
        if (folder / "initdb").exists():
            return folder
    raise SystemExit("topology: PostgreSQL's server binaries (initdb) are not installed")


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as `postgres`."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def own_for_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


class Process:
    """One long-running process of the topology, in its own session."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (a graceful stop: gunicorn finishes its requests), then
        SIGKILL for what is left of the group after `timeout`."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        # Children a master left behind (a worker of a killed master) go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def log_has(self, text: str) -> bool:
        return self.log.exists() and text in self.log.read_text(errors="replace")


def portal_process(name: str, line: str, env: dict, log: Path, *extra: str) -> Process:
    """A Procfile line run by the shell (its ${VAR:-default}s), exec'd so that
    the process is the server itself, with `extra` arguments."""
    command = " ".join([line, *extra])
    return Process(name, ["/bin/sh", "-c", f"exec {command}"], env, log)


class PostgreSQL:
    """A PostgreSQL server of this run: data folder, port, socket folder and log
    its own."""

    def __init__(self, name: str, folder: Path, port: int) -> None:
        self.name, self.port = name, port
        self.data = folder / name
        self.log = folder / f"{name}.log"
        self.socket_dir = folder
        self.bin = pg_bindir()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres"

    def _tool(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            as_postgres([str(self.bin / tool), *args]), cwd="/", check=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs,
        )  # fmt: skip

    def init_primary(self) -> None:
        self._tool("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self._configure("primary.conf")

    def init_replica(self, primary: "PostgreSQL") -> None:
        """deploy/postgresql/replica-init.sh: pg_basebackup of the running primary."""
        env = {**os.environ, "PG_BINDIR": str(self.bin), "SLOT": "portal_topology"}
        subprocess.run(
            as_postgres([str(DEPLOY / "postgresql" / "replica-init.sh"), primary.conninfo(),
                         str(self.data)]),
            cwd="/", env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._configure("replica.conf")

    def _configure(self, role_file: str) -> None:
        """Include the deploy/ settings of the role, then this run's own: a
        small server on its own port, listening on 127.0.0.1 only."""
        conf = self.data / "postgresql.conf"
        text = conf.read_text()
        text = re.sub(r"(?m)^include '[^']*/deploy/postgresql/.*\n", "", text)
        text += f"\ninclude '{DEPLOY / 'postgresql' / role_file}'\n"
        text += (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "shared_buffers = 64MB\nmax_connections = 100\n"
        )
        conf.write_text(text)
        own_for_postgres(conf)

    def start(self) -> None:
        # -w: pg_ctl returns once the server accepts connections.
        self._tool("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "180")

    def stop(self, mode: str = "fast") -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._tool("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")
        except subprocess.CalledProcessError:
            if mode != "immediate":
                self.stop("immediate")

    @property
    def running(self) -> bool:
        return (
            (self.data / "postmaster.pid").exists()
            and subprocess.run(
                as_postgres([str(self.bin / "pg_ctl"), "status", "-D", str(self.data)]),
                cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ).returncode == 0
        )  # fmt: skip


def haproxy(env: dict, log: Path) -> Process:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    # -db: stay in the foreground (stopped by this run); -W: master-worker.
    return Process("haproxy", [binary, "-db", "-W", "-f", str(DEPLOY / "haproxy.cfg")], env, log)


def _proc_stats() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, clock ticks of CPU: its own and its reaped children's)}."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()
        # utime, stime, cutime, cstime are fields 14–17 of proc(5).
        found[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return found


def cpu_seconds(roots: list[int]) -> float:
    """CPU time used so far by these processes and all their descendants,
    living or already reaped (a reaped child's time is in its parent's)."""
    stats = _proc_stats()
    children: dict[int, list[int]] = {}
    for pid, (parent, _ticks) in stats.items():
        children.setdefault(parent, []).append(pid)
    seen, todo = set(), [pid for pid in roots if pid in stats]
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children.get(pid, []))
    return sum(stats[pid][1] for pid in seen) / os.sysconf("SC_CLK_TCK")


def postmaster_pid(server: "PostgreSQL") -> int | None:
    try:
        return int((server.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
