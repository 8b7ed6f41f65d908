"""The morning sweep (W9) on many overdue transfers: time, peak memory, and the
ratio to one hand-written set-based SQL statement doing the same balance updates.

Creates P employee / parent pairs and, set-based, one overdue pending transfer of
100.00 per pair (with its ledger entries and balances, so ledger_check passes).
Then, in this order:
  1. the reference: copies the ledger accounts (same columns, indexes and checks)
     and applies every overdue transfer's balance change to the copy in ONE UPDATE;
  2. the sweep itself (wallet.services.transfers_sweep, chunked, each chunk its own
     transaction) in a fresh process, reporting its peak resident memory;
  3. ledger_check.
Prints the sweep's time, its peak memory, and last the ratio sweep ÷ reference.
Target: ≤ 3×, and memory flat in P (compare --million with the default).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_wallet \
        .venv/bin/python bench/sweep.py [--transfers 200000 | --million] [--chunk-size 10000]
"""

import argparse
import datetime
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _wallet_common import (
    DEFAULT_DB,
    create_pairs,
    migrate,
    recreate_database,
    setup_django,
)

CST = datetime.timezone(datetime.timedelta(hours=8))
MADE_AT = datetime.datetime(2026, 3, 2, 20, 0, tzinfo=CST)
SWEEP_AT = datetime.datetime(2026, 3, 3, 6, 0, tzinfo=CST)


def create_pending_transfers() -> int:
    """One pending transfer of 100.00 from every employee to their parent, made at
    20:00 yesterday and due back at 06:00 today, with the ledger to match."""
    from django.db import connection, transaction

    from wallet.models import HOLDING_SHARDS

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            """
            INSERT INTO wallet_transfer
              (sender_id, recipient_id, amount, state, source, from_account_id,
               holding_account_id, to_account_id, idempotency_key, created_at, local_day,
               due_back_at, single_pending)
            SELECT r.person_b_id, r.person_a_id, 100.00, 'pending', 'personal', pa.id, h.id,
                   wa.id, 'bench-' || r.person_b_id, %(made)s, %(day)s, %(due)s, true
            FROM accounts_relationship r
            JOIN wallet_ledgeraccount pa ON pa.person_id = r.person_b_id AND pa.kind = 'personal'
            JOIN wallet_ledgeraccount wa ON wa.person_id = r.person_a_id AND wa.kind = 'wallet'
            JOIN wallet_ledgeraccount h ON h.person_id IS NULL AND h.kind = 'holding'
                 AND h.shard = r.person_b_id %% %(shards)s
            """,
            {"made": MADE_AT, "day": MADE_AT.date(), "due": SWEEP_AT, "shards": HOLDING_SHARDS},
        )
        n = c.rowcount
        c.execute(
            """
            INSERT INTO wallet_ledgerentry (movement, account_id, amount, kind, ref, at)
            SELECT m, leg.account_id, leg.amount, 'transfer', 'transfer:' || x.id, %(made)s
            FROM (SELECT gen_random_uuid() AS m, * FROM wallet_transfer) AS x
            CROSS JOIN LATERAL (VALUES (x.from_account_id, -x.amount),
                                       (x.holding_account_id, x.amount)) AS leg(account_id, amount)
            """,
            {"made": MADE_AT},
        )
        c.execute(
            """
            UPDATE wallet_ledgeraccount a SET balance = a.balance + d.delta
            FROM (SELECT account_id, SUM(delta) AS delta FROM (
                    SELECT from_account_id AS account_id, -amount AS delta FROM wallet_transfer
                    UNION ALL
                    SELECT holding_account_id, amount FROM wallet_transfer) s
                  GROUP BY account_id) d
            WHERE a.id = d.account_id
            """
        )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
        c.execute("CHECKPOINT")
    print(f"setup: {n} pending overdue transfers in {time.monotonic() - started:.1f}s", flush=True)
    return n


REFERENCE = """
UPDATE bench_accounts_copy AS a
SET balance = a.balance + d.delta
FROM (
    SELECT account_id, SUM(delta) AS delta FROM (
        SELECT from_account_id AS account_id, amount AS delta FROM wallet_transfer
        WHERE state = 'pending' AND due_back_at <= %(now)s
        UNION ALL
        SELECT holding_account_id, -amount FROM wallet_transfer
        WHERE state = 'pending' AND due_back_at <= %(now)s
    ) AS changes GROUP BY account_id
) AS d
WHERE a.id = d.account_id
"""


def reference_seconds() -> float:
    """The balance updates alone, as one statement, on a copy of the accounts."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_accounts_copy")
        # The same columns, indexes, checks and storage options (fillfactor).
        c.execute(
            "SELECT array_to_string(reloptions, ', ') FROM pg_class"
            " WHERE relname = 'wallet_ledgeraccount'"
        )
        options = c.fetchone()[0]
        with_options = f" WITH ({options})" if options else ""
        c.execute(
            "CREATE TABLE bench_accounts_copy (LIKE wallet_ledgeraccount INCLUDING ALL)"
            + with_options
        )
        c.execute("INSERT INTO bench_accounts_copy SELECT * FROM wallet_ledgeraccount")
        c.execute("VACUUM ANALYZE bench_accounts_copy")
        c.execute("CHECKPOINT")
        started = time.perf_counter()
        c.execute(REFERENCE, {"now": SWEEP_AT})
        updated = c.rowcount
        elapsed = time.perf_counter() - started
        c.execute("DROP TABLE bench_accounts_copy")
        c.execute("CHECKPOINT")
    print(f"reference: one UPDATE of {updated} account balances in {elapsed:.2f}s", flush=True)
    return elapsed


def sweep_process(url, chunk_size, out) -> None:
    setup_django(url)
    from django.db import connection

    from wallet.services import transfers_sweep

    connection.ensure_connection()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    returned = transfers_sweep(now=SWEEP_AT, chunk_size=chunk_size)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put((returned, elapsed, baseline, peak))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=200_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 transfers")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    options = parser.parse_args()
    if not options.db.startswith("postgres"):
        sys.exit("bench/sweep.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    total = 1_000_000 if options.million else options.transfers
    recreate_database(options.db)
    setup_django(options.db)
    migrate()
    create_pairs(total)
    n = create_pending_transfers()
    reference = reference_seconds()

    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=sweep_process, args=(options.db, options.chunk_size, out))
    proc.start()
    returned, elapsed, baseline, peak = out.get()
    proc.join()
    print(
        f"sweep: {returned} of {n} transfers returned in {elapsed:.2f}s "
        f"({returned / elapsed:,.0f}/s, chunks of {options.chunk_size})"
    )
    print(
        f"sweep peak memory: {peak / 1024:.0f} MiB resident "
        f"({(peak - baseline) / 1024:.1f} MiB above the process after start-up)"
    )

    from django.core.management import call_command

    call_command("ledger_check")
    print(f"sweep ÷ one-statement reference: {elapsed / reference:.2f}× (target ≤ 3×)")


if __name__ == "__main__":
    main()
