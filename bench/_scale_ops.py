"""bench/scale.py's measuring side: each operation timed in one database (the
process's DATABASE_URL), median of several. Returns {operation: (seconds, unit)}."""

import datetime
import os
import statistics
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from _wallet_common import pg_args, setup_django

ROUNDS = 7
FULL_CHECK = "ledger_check --full (monthly)"
# Each measuring run's own keys and references: a database measured twice
# (--reuse) gets new transfers, bills and persons, not the first run's.
RUN = os.urandom(3).hex()
CHINA = ZoneInfo("Asia/Shanghai")


def median_of(fn, rounds: int = ROUNDS) -> float:
    fn()  # warm: plans prepared, templates loaded, caches filled
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page(client, path: str):
    def get():
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, (path, response.status_code)

    return get


def pages(results: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.models import InsuredPerson

    User = get_user_model()
    family = Client()
    family.force_login(User.objects.get(username="demo"))
    me = InsuredPerson.objects.get(user__username="demo")
    for op, path in (
        ("family home", "/"),
        ("wallet", "/wallet/"),
        ("statement (5 years)", f"/wallet/statement/{me.pk}/"),
        ("bills list", "/claims/bills/"),
        ("annual summary", "/claims/summary/"),
        ("estimate search", "/claims/estimate/items/?q=0"),
    ):
        results[op] = (median_of(page(family, path)), "s")
    staff = Client()
    staff.force_login(User.objects.get(username="admin"))
    # Someone among many: the last person loaded (her ID number and her name).
    someone = InsuredPerson.objects.order_by("-pk").first()
    persons = "/admin/accounts/insuredperson/"
    for op, path in (
        # The ID number as pages show it (A1: the full number is never a search term).
        ("admin: person by masked ID", f"{persons}?{urlencode({'q': someone.masked_id})}"),
        ("admin: person by name", f"{persons}?{urlencode({'q': '李秀英'})}"),
        ("admin: persons list", "/admin/accounts/insuredperson/"),
        ("admin: bills list", "/admin/claims/bill/"),
        ("admin: ledger entries list", "/admin/wallet/ledgerentry/"),
        ("admin: transfers list", "/admin/wallet/transfer/"),
    ):
        results[op] = (median_of(page(staff, path)), "s")


def households(n: int):
    """n employees of the population with their parent (W5: a close relative)."""
    from accounts.models import InsuredPerson, Relationship

    heads = list(
        InsuredPerson.objects.filter(user__username__startswith="scale").order_by("-pk")[
            : n * 7 : 7
        ]
    )
    parents = dict(
        Relationship.objects.filter(person_b__in=heads, kind="parent").values_list(
            "person_b_id", "person_a"
        )
    )
    people = InsuredPerson.objects.in_bulk(parents.values())
    return [(h, people[parents[h.pk]]) for h in heads]


def money(results: dict) -> None:
    import time_machine

    from core import clock
    from wallet.services import transfers_sweep
    from wallet.services.transfers import transfer_create

    today = clock.localdate()
    morning = datetime.datetime.combine(today, datetime.time(10), tzinfo=CHINA)
    pairs = households(40)
    times = []
    with time_machine.travel(morning, tick=True):
        for sender, recipient in pairs:
            started = time.perf_counter()
            transfer_create(
                sender=sender,
                recipient=recipient,
                amount="10.00",
                idempotency_key=f"bench-{sender.pk}-{RUN}",
                acting_user=None,
            )
            times.append(time.perf_counter() - started)
    results["one transfer"] = (statistics.median(times[1:]), "s")
    next_morning = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(7), tzinfo=CHINA
    )
    with time_machine.travel(next_morning, tick=True):
        started = time.perf_counter()
        returned = transfers_sweep(now=clock.now())
        elapsed = time.perf_counter() - started
    assert returned >= len(pairs), returned
    results["morning sweep, per transfer"] = (elapsed / returned, "s/row")


def settlement(results: dict) -> None:
    from accounts.models import Facility
    from claims.models import DirectoryItem
    from claims.services.bills import bill_create, bill_settle
    from core import clock

    today = clock.localdate()
    facility = Facility.objects.get(code="H500100001")
    codes = list(
        DirectoryItem.objects.filter(version__effective_from__lte=today)
        .exclude(typical_price=None)
        .values_list("code", "typical_price")[:3]
    )
    times = []
    for i, (person, _parent) in enumerate(households(ROUNDS + 1)):
        bill = bill_create(
            person=person, facility=facility, service_date=today, visit="outpatient",
            lines=[(code, Decimal(1), price) for code, price in codes], entered_by=None,
            reference=f"BENCH-{RUN}-{person.pk}-{i}",
        )  # fmt: skip
        started = time.perf_counter()
        bill_settle(bill=bill.pk, acting_user=None)
        times.append(time.perf_counter() - started)
    results["one settlement"] = (statistics.median(times[1:]), "s")


def bulk(results: dict, rows: int = 500) -> None:
    from bulk_activate import create_people, write_file
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from bulk import tasks
    from bulk.models import Batch
    from bulk.services import batch_confirm, batch_upload

    operator = get_user_model().objects.get(username="admin")
    people = create_people(rows, offset=500_000 + int(RUN, 16) % 400 * 1000)
    path = Path(tempfile.mkdtemp(prefix="scale-bulk-")) / "list.csv"
    write_file(path, people)
    with path.open("rb") as binary:
        batch = batch_upload(file=File(binary, name=path.name), uploaded_by=operator,
                             queue_check=False)  # fmt: skip
    tasks.bulk_check(batch.pk)
    batch_confirm(batch_id=batch.pk, acting_user=operator, queue_run=False)
    started = time.perf_counter()
    tasks.bulk_run(batch.pk)
    elapsed = time.perf_counter() - started
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE and batch.n_activated == rows, batch.status
    results["bulk activation, per row"] = (elapsed / rows, "s/row")


def ledger_full(results: dict) -> None:
    """Every entry re-added (the first run, `ledger_check --full`, the 1st of
    each month): grows with the ledger's history by design. Timed last: it
    reads the whole ledger, and the pages and services above are timed as a
    day goes, not right after a scan of everything."""
    from wallet.models import LedgerCheck
    from wallet.services.reconcile import ledger_check_run

    started = time.perf_counter()
    check = ledger_check_run(trigger=LedgerCheck.Trigger.COMMAND, full=True)
    assert check.problem_count == 0, check.problems
    results[FULL_CHECK] = (time.perf_counter() - started, "s")


def ledger_nightly(results: dict) -> None:
    """The nightly run after the measured work (transfers, the sweep,
    settlements, bulk activation): the entries and accounts since the
    checkpoint the load's first check left (bench/scale.py load)."""
    from wallet.models import LedgerCheck
    from wallet.services.reconcile import ledger_check_run

    started = time.perf_counter()
    check = ledger_check_run(trigger=LedgerCheck.Trigger.NIGHTLY)
    assert check.problem_count == 0 and not check.full, check.problems
    results["ledger_check (nightly, incremental)"] = (time.perf_counter() - started, "s")


def backup_restore(results: dict, url: str) -> None:
    """pg_dump and pg_restore of the persons table (data and indexes), per MB of
    the dump: what a region's backup costs per MB, kept cheap."""
    from urllib.parse import urlparse

    name = urlparse(url).path.lstrip("/")
    scratch = f"{name}_restore"
    dump = Path(tempfile.mkdtemp(prefix="scale-dump-")) / "persons.dump"
    started = time.perf_counter()
    subprocess.run(["pg_dump", *pg_args(url), "-Fc", "-Z1", "-t", "accounts_insuredperson",
                    "-f", str(dump), name], check=True)  # fmt: skip
    dumped = time.perf_counter() - started
    mb = dump.stat().st_size / 1e6
    subprocess.run(["dropdb", *pg_args(url), "--if-exists", scratch], check=True)
    subprocess.run(["createdb", *pg_args(url), scratch], check=True)
    started = time.perf_counter()
    subprocess.run(
        ["pg_restore", *pg_args(url), "--no-owner", "-d", scratch, str(dump)],
        check=False,
        capture_output=True,
    )  # fmt: skip  (its foreign keys: no targets)
    restored = time.perf_counter() - started
    subprocess.run(["dropdb", *pg_args(url), "--if-exists", scratch], check=True)
    dump.unlink()
    results["backup (pg_dump), per MB"] = (dumped / mb, "s/MB")
    results["restore (pg_restore), per MB"] = (restored / mb, "s/MB")


def measure(url: str) -> dict:
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="scale-media-"))
    setup_django(url)
    from django.conf import settings

    settings.STAFF_2FA = False  # the admin as its tests see it (force_login, no TOTP)
    # Pages rendered from the source folders, as in the tests (no collectstatic):
    # through override_settings, whose signal also drops a storage already made.
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    results: dict = {}
    pages(results)
    money(results)
    settlement(results)
    bulk(results)
    ledger_nightly(results)
    ledger_full(results)
    backup_restore(results, url)
    return results
