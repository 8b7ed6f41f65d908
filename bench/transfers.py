"""Transfer-create throughput through the service layer, against pgbench.

Creates N employee / parent pairs in a PostgreSQL database of its own, then C
processes call wallet.services.transfer_create (every rule checked, in its
transaction, row locks and all) for T seconds, each sender sending once (W8 allows
one pending transfer per sender). Then pgbench's built-in tpcb-like script runs
with the same client count for the same time against the same server, in a
scratch database. Prints both throughputs and, last, transfers/s ÷ pgbench TPS.
Target: ≥ 0.35.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_wallet \
        .venv/bin/python bench/transfers.py [--pairs 30000] [--clients 4] [--seconds 10]
        [--rounds 3]
"""

import argparse
import datetime
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pgbench import checkpoint, run_pgbench
from _wallet_common import (
    DEFAULT_DB,
    create_pairs,
    migrate,
    pair_ids,
    recreate_database,
    setup_django,
)

# A weekday morning, China Standard Time: outside the quiet hours (W7).
BENCH_TIME = datetime.datetime(
    2026, 3, 2, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


def worker(url, pairs, start_at, seconds, out, holding_shards):
    setup_django(url)
    import time_machine

    if holding_shards:  # --holding-shards: measure what sharding buys
        import wallet.services.ledger

        wallet.services.ledger.HOLDING_SHARDS = holding_shards
    from django.db import connection

    from accounts.models import InsuredPerson
    from core.reasons import Refusal
    from wallet.services import transfer_create

    people = InsuredPerson.objects.in_bulk([p for pair in pairs for p in pair])
    todo = [(people[s], people[r]) for s, r in pairs]
    connection.ensure_connection()
    # What a process loads once (the URL configuration a transfer's message links
    # to, every view and admin with it) is loaded before the clock starts: on a
    # busy machine it took most of the measured seconds.
    from django.urls import reverse

    reverse("wallet:index")
    done = refused = 0
    while time.time() < start_at:
        time.sleep(0.001)
    with time_machine.travel(BENCH_TIME, tick=True):
        began = time.perf_counter()
        deadline = began + seconds
        for i, (sender, recipient) in enumerate(todo):
            if time.perf_counter() >= deadline:
                break
            try:
                transfer_create(
                    sender=sender,
                    recipient=recipient,
                    amount="100.00",
                    idempotency_key=f"bench-{sender.pk}-{i}",
                    acting_user=None,
                )
                done += 1
            except Refusal:
                refused += 1
        elapsed = time.perf_counter() - began
    out.put((done, refused, elapsed, len(todo) == done + refused))


def run_transfers(url, pairs, clients, seconds, holding_shards=0) -> float:
    checkpoint()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 4.0  # after every process has started Django
    slices = [pairs[i::clients] for i in range(clients)]
    procs = [
        ctx.Process(target=worker, args=(url, s, start_at, seconds, out, holding_shards))
        for s in slices
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    if any(r[3] for r in results):
        print("warning: a worker ran out of senders; pass a larger --pairs", flush=True)
    rate = done / elapsed
    print(f"transfers: {done} created, {refused} refused in {elapsed:.1f}s by {clients} processes")
    print(f"transfers/s: {rate:.1f}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate both measurements this many times and compare the medians "
        "(a shared machine's speed drifts; alternating keeps the ratio fair)",
    )
    parser.add_argument(
        "--holding-shards",
        type=int,
        default=0,
        help="use this many pending-transfer holding rows instead of HOLDING_SHARDS "
        "(1 = one hot row, to see what sharding buys)",
    )
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    options = parser.parse_args()
    if not options.db.startswith("postgres"):
        sys.exit("bench/transfers.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    recreate_database(options.db)
    setup_django(options.db)
    migrate()
    create_pairs(options.pairs)
    from django.db import connections

    connections.close_all()
    pairs = pair_ids()
    rates, tpss = [], []
    for round_no in range(options.rounds):
        print(f"round {round_no + 1} of {options.rounds}", flush=True)
        chunk = pairs[round_no :: options.rounds]
        rates.append(
            run_transfers(
                options.db, chunk, options.clients, options.seconds, options.holding_shards
            )
        )
        tpss.append(run_pgbench(options.db, options.clients, options.seconds))
    from django.core.management import call_command

    call_command("ledger_check")
    rate, tps = statistics.median(rates), statistics.median(tpss)
    print(f"median transfers/s: {rate:.1f}")
    print(f"median pgbench tpcb-like TPS: {tps:.1f}")
    print(f"transfers/s ÷ pgbench TPS: {rate / tps:.3f} (target ≥ 0.35)")


if __name__ == "__main__":
    main()
