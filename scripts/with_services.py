#!/usr/bin/env python
"""Run a command (the test suite) with PostgreSQL and Redis answering.

`make test` and `make test-fast` run the suite through this. When nothing answers
on PGHOST:PGPORT (127.0.0.1:5432) or REDIS_HOST:REDIS_PORT (127.0.0.1:6379), it
starts the embedded servers `make run` uses (pip wheels, portal/embedded.py) on
those addresses, with their data under var/test/, runs the command, and stops
what it started. Servers that answer already are used as they are. A machine
without PostgreSQL or Redis installed passes the suite too; the wheels'
PostgreSQL tools (pg_dump, psql) are put on PATH when the system has none.

Usage:  .venv/bin/python scripts/with_services.py -- COMMAND [ARG…]
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import embedded  # noqa: E402 - after the project is on the path


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    var = Path(os.environ.get("PORTAL_TEST_VAR_DIR", ROOT / "var" / "test"))
    pg_host, pg_port = os.environ.get("PGHOST", "127.0.0.1"), int(os.environ.get("PGPORT", 5432))
    redis_host = os.environ.get("REDIS_HOST", "127.0.0.1")
    redis_port = int(os.environ.get("REDIS_PORT", 6379))
    sockets = embedded.socket_dir(var / f"{pg_port}-{redis_port}")
    started = []
    env = dict(os.environ)
    try:
        if not answers(pg_host, pg_port):
            print(f"services: no PostgreSQL on {pg_host}:{pg_port}; starting the embedded one…")
            server = embedded.postgres(
                var / f"postgres-{pg_port}", sockets=sockets, host=pg_host, port=pg_port
            )
            server.start(log=open(var / f"postgres-{pg_port}.log", "ab"))  # noqa: SIM115
            started.append(server)
        if not answers(redis_host, redis_port):
            print(f"services: no Redis on {redis_host}:{redis_port}; starting the embedded one…")
            server = embedded.redis(
                var / f"redis-{redis_port}", sockets=sockets, host=redis_host, port=redis_port
            )
            server.start(log=open(var / f"redis-{redis_port}.log", "ab"))  # noqa: SIM115
            started.append(server)
        if shutil.which("pg_dump") is None:
            env["PATH"] = f"{embedded.pg_bin('pg_dump').parent}{os.pathsep}{env['PATH']}"
        return subprocess.call(argv, env=env)  # noqa: S603 - the caller's command
    finally:
        for server in reversed(started):
            server.stop()


if __name__ == "__main__":
    var_dir = Path(os.environ.get("PORTAL_TEST_VAR_DIR", ROOT / "var" / "test"))
    var_dir.mkdir(parents=True, exist_ok=True)
    raise SystemExit(main(sys.argv[1:]))
