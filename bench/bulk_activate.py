"""Bulk proxy activation speed (W2): check and open 100,000 rows.

Creates the insured people set-based, writes a 100,000-row CSV file of them (GBK,
as Excel saves it on a Chinese Windows), then runs the check job (the dry run)
and the activation job, each in a worker process of its own, and prints rows/s for
each and the worker's peak memory. A 10,000-row file is run the same way first as
the reference: memory flat in the number of rows means the two peaks are about
equal (ratio ≈ 1). The last line is the total seconds for validation + activation
of the large file. Target: under 60 s on a 2-core machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_bulk \\
        .venv/bin/python bench/bulk_activate.py [--rows 100000] [--reference 10000] [--chunk N]

The database named in DATABASE_URL is dropped and created again on each run.
"""

import argparse
import csv
import datetime
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("HTTPS_ONLY", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def django_setup() -> None:
    import django

    django.setup()


# -- the worker side: one job in a process of its own -------------------------------


def worker(job: str, batch_id: int) -> None:
    django_setup()
    from django.conf import settings

    from bulk import tasks

    if os.environ.get("BULK_ACTIVATION_CHUNK"):
        settings.BULK_ACTIVATION_CHUNK = int(os.environ["BULK_ACTIVATION_CHUNK"])

    started = time.perf_counter()
    if job == "check":
        tasks.bulk_check(batch_id)
    else:
        tasks.bulk_run(batch_id)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_kb() / 1024}))


def peak_rss_kb() -> int:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: on
    Linux ru_maxrss survives fork + exec, so a worker would report its parent's."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_worker(job: str, batch_id: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", job, str(batch_id)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# -- the driver ------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = config["NAME"]
    admin = (
        f"host={config['HOST']} port={config['PORT'] or 5432} user={config['USER']} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def create_people(n: int, *, offset: int) -> list[tuple[str, str]]:
    """n active insured persons in Chongqing, inserted set-based; (ID, name) each."""
    from accounts import national_id
    from accounts.models import InsuredPerson, Region
    from tests.factories import chongqing

    region = chongqing()
    assert isinstance(region, Region)
    born = datetime.date(1940, 1, 1)
    people = []
    for i in range(offset, offset + n):
        day = born + datetime.timedelta(days=i // 1000)
        sex = "M" if i % 2 else "F"
        nid = national_id.make(region.code, day, (i % 1000) // 2, sex)
        people.append(
            InsuredPerson(
                name=f"张{i}",
                national_id=nid,
                birth_date=day,
                sex=sex,
                phone=f"139{i:08d}",
                insurance_type="resident",
                region=region,
            )
        )
    InsuredPerson.objects.bulk_create(people, batch_size=5000)
    return [(p.national_id, p.name) for p in people]


def write_file(path: Path, people: list[tuple[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["身份证号", "姓名", "使用地", "手机号", "备注"])
    for nid, name in people:
        writer.writerow([nid, name, "重庆", "", "社区代开通"])
    path.write_bytes(out.getvalue().encode("gbk"))


def measure(label: str, people, folder: Path, operator) -> dict:
    from django.core.files import File

    from bulk.models import Batch
    from bulk.services import batch_confirm, batch_upload

    path = folder / f"{label}.csv"
    write_file(path, people)
    started = time.perf_counter()
    with path.open("rb") as binary:
        batch = batch_upload(
            file=File(binary, name=path.name), uploaded_by=operator, queue_check=False
        )
    upload_seconds = time.perf_counter() - started
    check = run_worker("check", batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED and batch.n_ready == len(people), batch.status
    batch_confirm(batch_id=batch.pk, acting_user=operator, queue_run=False)
    activate = run_worker("run", batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE and batch.n_activated == len(people)
    return {
        "rows": len(people),
        "upload": upload_seconds,
        "check": check,
        "activate": activate,
        "validation_seconds": upload_seconds + check["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reference", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, help="rows per chunk (default: the setting)")
    parser.add_argument("--worker", nargs=2, metavar=("JOB", "BATCH_ID"))
    args = parser.parse_args()
    if args.chunk:
        os.environ["BULK_ACTIVATION_CHUNK"] = str(args.chunk)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (it is recreated).")
    media = tempfile.mkdtemp(prefix="bench-bulk-")
    os.environ["MEDIA_ROOT"] = media
    fresh_database(url)
    django_setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    operator = get_user_model().objects.create_user(username="bench", is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="bulk_proxy_activate"))

    started = time.perf_counter()
    reference_people = create_people(args.reference, offset=0)
    people = create_people(args.rows, offset=args.reference)
    print(
        f"created {args.reference + args.rows:,} insured persons set-based in "
        f"{time.perf_counter() - started:.1f} s"
    )

    folder = Path(media)
    reference = measure("reference", reference_people, folder, operator)
    result = measure("bench", people, folder, operator)

    print(f"{'':24}{'reference':>14}{'bench':>14}{'ratio':>9}")
    print(
        f"{'rows':24}{reference['rows']:>14,}{result['rows']:>14,}"
        f"{result['rows'] / reference['rows']:>9.1f}"
    )
    for name, key in (("validation rows/s", "check"), ("activation rows/s", "activate")):
        ref_rate = reference["rows"] / reference[key]["seconds"]
        rate = result["rows"] / result[key]["seconds"]
        print(f"{name:24}{ref_rate:>14,.0f}{rate:>14,.0f}{rate / ref_rate:>9.2f}")
    for name, key in (("check worker peak MB", "check"), ("run worker peak MB", "activate")):
        ref_peak, peak = reference[key]["peak_mb"], result[key]["peak_mb"]
        print(f"{name:24}{ref_peak:>14.1f}{peak:>14.1f}{peak / ref_peak:>9.2f}")
    print(f"{'upload (hash + store) s':24}{reference['upload']:>14.2f}{result['upload']:>14.2f}")
    total = result["validation_seconds"] + result["activate"]["seconds"]
    print(f"total seconds for validation + activation of {result['rows']:,} rows: {total:.1f}")


if __name__ == "__main__":
    main()
