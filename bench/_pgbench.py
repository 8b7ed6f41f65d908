"""The pgbench reference the throughput benchmarks divide by: pgbench's built-in
tpcb-like script (five statements a transaction: three UPDATEs, a SELECT and an
INSERT) with the same client count against the same server, in a scratch
database next to the benchmark's own."""

import re
import subprocess
from urllib.parse import urlparse

from _wallet_common import pg_args


def checkpoint() -> None:
    """Start each measured phase from the same place: no dirty buffers left over."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    connection.close()


def run_pgbench(url: str, clients: int, seconds: int) -> float:
    """pgbench tpcb-like TPS with `clients` clients for `seconds` seconds."""
    scratch = urlparse(url).path.lstrip("/") + "_pgbench"
    args = pg_args(url)
    subprocess.run(["dropdb", *args, "--if-exists", "--force", scratch], check=True)
    subprocess.run(["createdb", *args, scratch], check=True)
    subprocess.run(["pgbench", *args, "-i", "-q", scratch], check=True, capture_output=True)
    checkpoint()
    result = subprocess.run(
        ["pgbench", *args, "-c", str(clients), "-j", str(clients), "-T", str(seconds)]
        + ["-b", "tpcb-like", scratch],
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(["dropdb", *args, "--if-exists", "--force", scratch], check=True)
    match = re.search(r"tps = ([0-9.]+) \((?:without|excluding)", result.stdout)
    tps = float(match.group(1))
    print(f"pgbench tpcb-like TPS: {tps:.1f} ({clients} clients, {seconds}s)", flush=True)
    return tps
