"""Bill settlement throughput against pgbench, queries per bill, and a
hospital's day settled at once.

Creates a PostgreSQL database of its own (default portal_bench_claims, dropped and
recreated), the demo reference data (directory, policies, facilities), N persons
(employees and residents in Chongqing and Chengdu; some with personal-account
money, some with a recognised chronic disease, some treated non-locally with a
registration) and B bills of 5 lines each.

1. Single bills: C client processes settle every bill through
   claims.services.bills.bill_settle — the admin's and the service's path,
   including the pay-out of the personal part — in rounds: round k settles every
   person's k-th bill of the year, so round 1 and round 10 compare the 1st and the
   10th bill of the same persons (target: the same number of queries, ≤ 8).
   The rounds run in parts (--parts); pgbench's tpcb-like script runs with the
   same client count on the same server before the first part and after each;
   the figure printed last is the median over the parts of the part's bills/s ÷
   the mean of the pgbench runs on either side of it (target ≥ 0.15).
2. Many bills (the full run, or --many N): a fresh database with the same kind of
   data, and bills_settle_many settles all of them in one call (target: 100,000
   bills in ≤ 120 s, memory flat: the peak RSS grows by a few MB, not with the
   number of bills).

manage.py ledger_check runs after each part (W10).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_claims \\
        .venv/bin/python bench/settle.py --quick    # 2,000 bills, a few minutes
    .venv/bin/python bench/settle.py                # 100,000 bills + 100,000 at once
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pgbench import run_pgbench
from _wallet_common import recreate_database, setup_django

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench_claims"
YEAR = 2026


class QueryCounter:
    """Counts the statements a block sends (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(persons: int, bills: int, rng: random.Random) -> list[list[int]]:
    """Persons, their history (recognitions, registrations, money) and bills.
    Returns, for each round, the bill ids to settle in it."""
    from accounts.models import Facility, Region
    from claims.demo import load_reference_data
    from claims.models import DirectoryItem, Disease

    load_reference_data(years=[YEAR])
    cq, cd = Region.objects.get(code="500100"), Region.objects.get(code="510100")
    facilities = {region.pk: list(Facility.objects.filter(region=region)) for region in (cq, cd)}
    codes = list(
        DirectoryItem.objects.filter(version__effective_from__year=YEAR).values_list(
            "code", "typical_price"
        )
    )
    hypertension = Disease.objects.get(code="MT01")
    started = time.monotonic()
    people, registered = _people(persons, rng, cq, cd, facilities, hypertension)
    print(f"  {persons:,} persons in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    rounds = _bills(people, registered, bills // persons, rng, cq, facilities, codes, hypertension)
    total = sum(len(r) for r in rounds)
    print(f"  {total:,} bills × 5 lines in {time.monotonic() - started:.1f} s")
    # Statistics, as a database in service has them (autovacuum would, later).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return rounds


def _person(i: int, cq, cd):
    from accounts import national_id
    from accounts.models import InsuredPerson

    employee = i % 2 == 0
    region = cq if employee or i % 4 == 1 else cd
    # Unique ID numbers: one birth date per person (and a sequence number once
    # the 20,000 days from 1950 run out).
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=i % 20000)
    sex = "M" if i % 3 else "F"
    return InsuredPerson(
        name=f"压测{i}",
        national_id=national_id.make(region.code, born, (i // 20000) % 500, sex),
        birth_date=born,
        sex=sex,
        insurance_type="employee" if employee else "resident",
        region=region,
    )


def _people(persons: int, rng, cq, cd, facilities, hypertension):
    """The persons with their recognitions, registrations and money; and the ids
    of those registered to be treated in Chongqing."""
    from django.db import transaction

    from accounts.models import InsuredPerson, NonLocalRegistration
    from claims.models import ChronicRecognition
    from tests.wallet.factories import fund

    with transaction.atomic():
        people = InsuredPerson.objects.bulk_create(
            [_person(i, cq, cd) for i in range(persons)], batch_size=2000
        )
        recognitions = [
            ChronicRecognition(
                person=person,
                disease=hypertension,
                hospital=facilities[cq.pk][0],
                diagnosis="高血压",
                status="approved",
                valid_from=datetime.date(YEAR, 1, 1),
                valid_until=datetime.date(YEAR + 1, 12, 31),
            )
            for i, person in enumerate(people)
            if i % 5 == 1  # a fifth: hypertension recognised
        ]
        registrations = [
            NonLocalRegistration(
                person=person,
                destination=cq,
                kind=rng.choice(["long_term_resident", "referral", "other_temporary"]),
                start_date=datetime.date(YEAR, 1, 1),
                proof="commitment",
            )
            for i, person in enumerate(people)
            if person.region_id == cd.pk and i % 3 == 0  # treated in Chongqing
        ]
        ChronicRecognition.objects.bulk_create(recognitions, batch_size=2000)
        NonLocalRegistration.objects.bulk_create(registrations, batch_size=2000)
    for person in people[: max(1, persons // 10) * 2 : 2]:  # a tenth: money to pay with
        fund(person, "3000.00")
    return people, {r.person_id for r in registrations}


def _bill(k: int, i: int, person, rng, there, facilities, codes, hypertension):
    """One bill of round `k` and its five lines (unsaved)."""
    from claims.models import Bill, BillLine

    facility = rng.choice(facilities[there])
    inpatient = facility.kind == "hospital" and rng.random() < 0.05
    day = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=k * 30 + i % 28)
    chronic = i % 5 == 1 and not inpatient and rng.random() < 0.5
    bill = Bill(
        reference=f"BENCH-{k}-{person.pk}",
        person=person,
        facility=facility,
        service_date=day,
        visit="inpatient" if inpatient else "outpatient",
        disease=hypertension if chronic else None,
    )
    lines = []
    for position, (code, price) in enumerate(rng.sample(codes, 5), start=1):
        price = (price or Decimal("10")) * Decimal(rng.choice(["1", "1", "1.08"]))
        lines.append(
            BillLine(
                position=position,
                code=code,
                quantity=Decimal(rng.choice([1, 1, 2, 3])),
                unit_price=price.quantize(Decimal("0.01")),
            )
        )
    return bill, lines


def _bills(people, registered, per_person, rng, cq, facilities, codes, hypertension):
    """`per_person` rounds of one bill for each person, stored 2,000 at a time."""
    from claims.models import Bill, BillLine

    rounds: list[list[int]] = [[] for _ in range(per_person)]
    pending: list = []

    def flush() -> None:
        created = Bill.objects.bulk_create([bill for _k, bill, _lines in pending])
        lines = []
        for bill, (round_no, _bill, bill_lines) in zip(created, pending, strict=True):
            rounds[round_no].append(bill.pk)
            for line in bill_lines:
                line.bill_id = bill.pk
            lines.extend(bill_lines)
        BillLine.objects.bulk_create(lines, batch_size=5000)
        pending.clear()

    for k in range(per_person):
        for i, person in enumerate(people):
            there = cq.pk if person.pk in registered else person.region_id
            pending.append((k, *_bill(k, i, person, rng, there, facilities, codes, hypertension)))
            if len(pending) >= 2000:
                flush()
    if pending:
        flush()
    return rounds


def roundtrip_seconds(n: int = 2000) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(n):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return (time.perf_counter() - started) / n


def write_transaction_seconds(n: int = 200) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_reference (id serial PRIMARY KEY, v int)")
    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_reference (v) VALUES (%s)", [i])
    return (time.perf_counter() - started) / n


def worker(url: str, rounds: list[list[int]], start_at: float, out) -> None:
    """Settle this client's share of every round, round after round."""
    setup_django(url)
    from django.db import connection

    from claims.services.bills import bill_settle

    connection.ensure_connection()
    while time.time() < start_at:
        time.sleep(0.001)
    began = time.perf_counter()
    per_round = []
    for ids in rounds:
        counts, round_started = [], time.perf_counter()
        for bill_id in ids:
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                bill_settle(bill=bill_id, acting_user=None)
            counts.append(counter.count)
        per_round.append((time.perf_counter() - round_started, counts))
    out.put((time.perf_counter() - began, per_round))
    connection.close()


def run_clients(url: str, rounds: list[list[int]], clients: int) -> tuple[float, list]:
    """These rounds' bills through bill_settle by `clients` processes. Returns
    the elapsed time and, per round, (busiest client's seconds, query counts)."""
    import multiprocessing as mp

    from django.db import connections

    connections.close_all()
    # A person's bills always go to the same client, in round order (C3: the
    # running totals are used in date order); a round's bills are for different
    # persons, so the clients never queue for one person's totals.
    # (Every round lists one bill per person, in the same person order.)
    shares = [[ids[c::clients] for ids in rounds] for c in range(clients)]
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 4.0  # after every process has started Django
    procs = [ctx.Process(target=worker, args=(url, share, start_at, out)) for share in shares]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    per_round = [
        (
            max(r[1][number][0] for r in results),
            [c for r in results for c in r[1][number][1]],
        )
        for number in range(len(rounds))
    ]
    return max(r[0] for r in results), per_round


def settle_single(url: str, rounds: list[list[int]], clients: int, parts: int, seconds: int):
    """Every bill through bill_settle by `clients` processes, the rounds in
    `parts` parts with a pgbench run (same clients) before the first and after
    each: the machine's speed drifts (other work shares it), so each part is
    compared with the pgbench runs on either side of it. Returns (the median
    part's bills/s, the median pgbench TPS, the median of the parts' ratios)."""
    reference = roundtrip_seconds()
    write_reference = write_transaction_seconds()
    print(f"  reference: one SELECT 1 round trip = {reference * 1e6:.0f} µs")
    print(f"  reference: one single-row write transaction = {write_reference * 1e3:.2f} ms")
    size = -(-len(rounds) // parts)
    rates, tpss, per_round, elapsed = [], [run_pgbench(url, clients, seconds)], [], 0.0
    for start in range(0, len(rounds), size):
        part = rounds[start : start + size]
        took, counts = run_clients(url, part, clients)
        elapsed += took
        per_round.extend(counts)
        rates.append(sum(len(ids) for ids in part) / took)
        for number, (busiest, round_counts) in enumerate(counts, start=start + 1):
            print(
                f"  round {number:2d} (each person's bill no. {number}): {len(round_counts):,} "
                f"bills, {len(round_counts) / busiest:,.0f} bills/s, queries per bill "
                f"mean {statistics.mean(round_counts):.2f}, min {min(round_counts)}, "
                f"max {max(round_counts)}"
            )
        print(f"  these rounds: {rates[-1]:,.1f} bills/s", flush=True)
        tpss.append(run_pgbench(url, clients, seconds))
    settled = sum(len(ids) for ids in rounds)
    all_counts = [c for _busiest, counts in per_round for c in counts]
    first, last = per_round[0][1], per_round[-1][1]
    per_bill = elapsed * clients / settled
    print()
    print(f"settled {settled:,} bills in {elapsed:.1f} s by {clients} clients")
    print(
        f"queries per bill: mean {statistics.mean(all_counts):.2f} "
        f"(min {min(all_counts)}, max {max(all_counts)}; before: 21.25)"
    )
    print(
        f"1st bill of a person: {statistics.mean(first):.2f} queries; "
        f"{len(rounds)}th bill: {statistics.mean(last):.2f} queries "
        f"(ratio {statistics.mean(last) / statistics.mean(first):.3f})"
    )
    print(
        f"one settlement (per client) = {per_bill * 1e3:.2f} ms = {per_bill / reference:.0f} × "
        f"the SELECT 1 round trip = {per_bill / write_reference:.1f} × the single-row write "
        f"transaction"
    )
    from claims.models import Bill

    print(f"bills left unsettled: {Bill.objects.exclude(status='settled').count()}")
    ratios = [rate / statistics.mean(tpss[i : i + 2]) for i, rate in enumerate(rates)]
    print(f"bills/s by part: {', '.join(f'{r:.1f}' for r in rates)}")
    print(f"pgbench TPS before, between and after: {', '.join(f'{t:.1f}' for t in tpss)}")
    print(f"each part ÷ the pgbench runs beside it: {', '.join(f'{r:.3f}' for r in ratios)}")
    return statistics.median(rates), statistics.median(tpss), statistics.median(ratios)


def settle_many(bills: int) -> float:
    """All entered bills through one bills_settle_many call; returns seconds."""
    import resource

    from claims.models import Bill
    from claims.services.bills import bills_settle_many

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    report = bills_settle_many(bills=Bill.objects.all(), acting_user=None)
    elapsed = time.monotonic() - started
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"bills_settle_many: {report.settled:,} bills in {elapsed:.1f} s "
        f"({report.settled / elapsed:,.0f} bills/s; target: 100,000 in ≤ 120 s), "
        f"{len(report.failed)} failed"
    )
    print(
        f"  peak memory {peak_before:.0f} MB before, {peak_after:.0f} MB after "
        f"(+{peak_after - peak_before:.0f} MB for {bills:,} bills)"
    )
    print(f"  bills left unsettled: {Bill.objects.exclude(status='settled').count()}")
    return elapsed


def ledger_check() -> None:
    from django.core.management import call_command

    call_command("ledger_check")


def fresh(url: str, persons: int, bills: int, seed: int) -> list[list[int]]:
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    recreate_database(url)
    call_command("migrate", verbosity=0)
    return build(persons, bills, random.Random(seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument(
        "--many", type=int, default=None, help="bills for bills_settle_many (0: skip)"
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10, help="each pgbench run")
    parser.add_argument(
        "--parts",
        type=int,
        default=3,
        help="settle the rounds in this many parts, a pgbench run after each (medians)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--quick", action="store_true", help="200 persons, 2,000 bills, no bills_settle_many"
    )
    args = parser.parse_args()
    if args.quick:
        args.persons, args.bills = 200, 2_000
    many = args.many if args.many is not None else (0 if args.quick else args.bills)
    url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    if not url.startswith("postgres"):
        sys.exit("bench/settle.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    print(f"database {urlparse(url).path.lstrip('/')} (recreated)")
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rounds = build(args.persons, args.bills, random.Random(args.seed))
    rate, tps, ratio = settle_single(url, rounds, args.clients, args.parts, args.seconds)
    ledger_check()
    if many:
        print()
        print(f"many bills at once: a fresh database, {many:,} bills")
        fresh(url, max(1, args.persons * many // max(args.bills, 1)), many, args.seed + 1)
        settle_many(many)
        ledger_check()
    print()
    print(f"median bills/s: {rate:.1f} ({args.clients} clients)")
    print(f"median pgbench tpcb-like TPS: {tps:.1f} ({args.clients} clients)")
    print(
        f"bills/s ÷ pgbench tpcb-like TPS ({args.clients} clients, median of the parts): "
        f"{ratio:.3f} (target ≥ 0.15)"
    )


if __name__ == "__main__":
    main()
