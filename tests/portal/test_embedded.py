"""The embedded PostgreSQL and Redis (portal/embedded.py): `make test` starts them
where nothing answers (scripts/with_services.py) and stops them afterwards.
`make run`'s use of them is tests/portal/test_runportal.py's."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

# Real servers started and stopped: `make test` runs this, `make test-fast` does not.
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_tests_servers_are_started_where_nothing_answers_and_stopped_after(server_dir):
    pg_port, redis_port = free_port(), free_port()
    code = (
        "import psycopg, redis\n"
        f"with psycopg.connect('postgresql://postgres@127.0.0.1:{pg_port}/postgres') as c:\n"
        "    print('postgresql', c.execute('SELECT 1').fetchone()[0])\n"
        f"print('redis', redis.Redis(port={redis_port}).ping())\n"
    )
    env = {
        **os.environ,
        "PGPORT": str(pg_port),
        "REDIS_PORT": str(redis_port),
        "PORTAL_TEST_VAR_DIR": str(server_dir),
    }
    result = subprocess.run(
        [sys.executable, "scripts/with_services.py", "--", sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"no PostgreSQL on 127.0.0.1:{pg_port}; starting the embedded one" in output
    assert f"no Redis on 127.0.0.1:{redis_port}; starting the embedded one" in output
    assert "postgresql 1" in output and "redis True" in output
    assert (server_dir / f"postgres-{pg_port}" / "PG_VERSION").exists()
    assert not answers(pg_port) and not answers(redis_port), "a server outlived the run"


def test_a_server_that_answers_is_used_as_it_is(server_dir):
    """The shared servers answer: nothing is started, the command runs."""
    env = {**os.environ, "PORTAL_TEST_VAR_DIR": str(server_dir)}
    result = subprocess.run(
        [sys.executable, "scripts/with_services.py", "--", sys.executable, "-c", "print('ran')"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and "ran" in result.stdout
    assert "starting the embedded one" not in result.stdout
