"""Cost per operation at two sizes of a region, side by side, in one run.

For each size it creates a PostgreSQL database of its own (portal_scale_small,
portal_scale_large: dropped and recreated, dropped again at the end unless
--keep), migrates it, loads the demo data (the family whose pages are timed)
and then the population (bench/_population.py: households of three with
logins, wallets, a year of contributions, bills over five years, transfers,
pooling, registrations, messages and audit rows, loaded with COPY and set-based
INSERT … SELECT). The demo employee gets five years of contributions, so his
statement is a long one.

Then, in a process per database, it times each operation (median of several):
the family's pages through Django's test client as the demo user, the admin's
searches and changelists as the demo superuser, and the services in process —
one settlement, one transfer, the morning sweep per transfer returned, bulk
activation per row, ledger_check (the nightly run, incremental from the
checkpoint; the full run is printed too, not counted: it re-adds every entry by
design) — and a backup and a restore per MB (pg_dump / pg_restore of the persons
table). It prints one table, small and large side by side, and last "worst cost
growth: X" (the largest large ÷ small).
Target (--quick): ≤ 1.5; the family's own pages ≤ 1.2.

    .venv/bin/python bench/scale.py --quick          # 20,000 and 200,000 persons
    .venv/bin/python bench/scale.py                  # 20,000 and 1,000,000 persons
    .venv/bin/python bench/scale.py --persons 5000000
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _wallet_common import pg_args, recreate_database

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432/"
FULL_CHECK = "ledger_check --full (monthly)"
FAMILY = ("family home", "wallet", "statement (5 years)", "bills list", "annual summary")


def database_url(name: str) -> str:
    base = urlparse(os.environ.get("SCALE_SERVER", SERVER))
    return urlunparse(base._replace(path=f"/{name}"))


def child(*args: str) -> str:
    """This script in a fresh process (one Django set-up per database)."""
    env = {**os.environ, "HTTPS_ONLY": "0", "STAFF_2FA": "0", "LOG_LEVEL": "WARNING"}
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    # A cache of the run's own: the demo's SMS codes are rate-limited per phone (A1).
    env["CACHE_KEY_PREFIX"] = f"bench-scale-{secrets.token_hex(4)}"
    done = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return done.stdout


def load(url: str, persons: int) -> None:
    from _wallet_common import migrate, setup_django

    setup_django(url)
    import _population
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import InsuredPerson

    started = time.monotonic()
    migrate()
    call_command("seed_demo", verbosity=0)
    _population.populate(persons, log=lambda line: print(line, file=sys.stderr, flush=True))
    employee = InsuredPerson.objects.get(user__username="demo")
    _population.five_years_of_entries(
        employee.pk, log=lambda line: print(line, file=sys.stderr, flush=True)
    )
    # The first ledger check (W10): it reads everything once and leaves the
    # checkpoint a region's nightly runs start from.
    from wallet.services.reconcile import ledger_check_run

    assert ledger_check_run(trigger="command", full=True).is_clean
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(json.dumps({"seconds": time.monotonic() - started}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="20,000 and 200,000 persons")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="measure the kept databases")
    parser.add_argument("--load", nargs=2, metavar=("URL", "PERSONS"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(args.load[0], int(args.load[1]))
        return
    if args.measure:
        from _scale_ops import measure

        print(json.dumps(measure(args.measure)))
        return
    large = 200_000 if args.quick else args.persons
    sizes = {"small": (args.small, database_url("portal_scale_small")),
             "large": (large, database_url("portal_scale_large"))}  # fmt: skip
    results = {}
    try:
        for label, (persons, url) in sizes.items():
            if not args.reuse:
                recreate_database(url)
                seconds = json.loads(child("--load", url, str(persons)).splitlines()[-1])
                print(f"load {label}: {persons:,} persons in {seconds['seconds']:.0f}s", flush=True)
        for label, (_persons, url) in sizes.items():
            results[label] = json.loads(child("--measure", url).splitlines()[-1])
    finally:
        if not args.keep:
            for _persons, url in sizes.values():
                name = urlparse(url).path.lstrip("/")
                subprocess.run(["dropdb", *pg_args(url), "--if-exists", "--force", name])
    report(results, args.small, large)


def report(results: dict, small: int, large: int) -> None:
    small_r, large_r = results["small"], results["large"]
    head = f"{'operation':<40} {f'{small:,}':>12} {f'{large:,}':>12} {'growth':>8}"
    print(head)
    print("-" * len(head))
    worst = ("", 0.0)
    family = 0.0
    for op, (s, unit) in small_r.items():
        lg = large_r[op][0]
        growth = lg / s if s > 0 else 1.0
        if op == FULL_CHECK:  # re-adds every entry by design: not a nightly cost
            print(
                f"{op:<40} {fmt(s, unit):>12} {fmt(lg, unit):>12} {growth:>7.2f}×  (not in worst)"
            )
            continue
        if growth > worst[1]:
            worst = (op, growth)
        if op in FAMILY:
            family = max(family, growth)
        print(f"{op:<40} {fmt(s, unit):>12} {fmt(lg, unit):>12} {growth:>7.2f}×")
    print(f"family pages, worst growth: {family:.2f} (target ≤ 1.2)")
    print(f"worst cost growth: {worst[1]:.2f} ({worst[0]})")


def fmt(value: float, unit: str) -> str:
    if unit == "s/MB":
        return f"{value * 1000:.1f} ms/MB"
    if unit == "s/row":
        return f"{value * 1000:.2f} ms"
    return f"{value * 1000:.1f} ms"


if __name__ == "__main__":
    main()
