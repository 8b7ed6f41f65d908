"""Shared by bench/transfers.py and bench/sweep.py: a fresh PostgreSQL database of
their own, and N employee / parent pairs with money and open wallets, created
set-based (SQL), with a ledger that ledger_check accepts. Its database and
Django set-up helpers also serve bench/pages.py, recovery.py and settle.py."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench_wallet"


def pg_args(url: str) -> list[str]:
    u = urlparse(url)
    args = [
        "-h",
        u.hostname or "127.0.0.1",
        "-p",
        str(u.port or 5432),
        "-U",
        u.username or "postgres",
    ]
    return args


def recreate_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    subprocess.run(["dropdb", *pg_args(url), "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *pg_args(url), name], check=True)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("HTTPS_ONLY", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_pairs(n: int, *, balance: str = "10000.00") -> None:
    """n employees in Chongqing (each with `balance` in the personal account and an
    open wallet) and, for each, a parent: a resident in Chengdu with an open wallet.
    All set-based: a few INSERT ... SELECT over generate_series."""
    from django.db import connection, transaction

    from accounts.models import Province, Region

    cq_p, _ = Province.objects.get_or_create(
        code="50", defaults={"name": "重庆市", "name_en": "Chongqing"}
    )
    sc_p, _ = Province.objects.get_or_create(
        code="51", defaults={"name": "四川省", "name_en": "Sichuan", "usage_location_change": True}
    )
    cq, _ = Region.objects.get_or_create(
        code="500100", defaults={"province": cq_p, "name": "重庆市", "name_en": "Chongqing"}
    )
    cd, _ = Region.objects.get_or_create(
        code="510100", defaults={"province": sc_p, "name": "成都市", "name_en": "Chengdu"}
    )
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as c:
        # GB 11643 check digit in SQL: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2.
        c.execute(
            """
            CREATE TEMP TABLE bench_ids ON COMMIT DROP AS
            SELECT g AS i, kind, region_id, itype, born,
                   first17 || substr('10X98765432', (
                     SELECT sum(substr(first17, k::int, 1)::int * w) FROM unnest(
                       ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]) WITH ORDINALITY AS t(w, k)
                   )::int %% 11 + 1, 1) AS nid
            FROM (
              SELECT g, kind, region_id, itype, born,
                     code || to_char(born, 'YYYYMMDD') || lpad(((g %% 450) * 2 + 1)::text, 3, '0')
                       AS first17
              FROM generate_series(0, %(n)s - 1) AS g
              CROSS JOIN LATERAL (VALUES
                ('e', %(cq)s, 'employee', '500100', DATE '1970-01-01' + (g / 450)::int),
                ('p', %(cd)s, 'resident', '510100', DATE '1935-01-01' + (g / 450)::int)
              ) AS v(kind, region_id, itype, code, born)
            ) AS s
            """,
            {"n": n, "cq": cq.pk, "cd": cd.pk},
        )
        c.execute(
            """
            INSERT INTO accounts_insuredperson
              (name, national_id, birth_date, sex, phone, insurance_type, region_id, status,
               qr_token, created_at, updated_at)
            SELECT kind || i, nid, born, 'M', '', itype, region_id, 'active',
                   md5(nid || random()::text), now(), now()
            FROM bench_ids
            """
        )
        c.execute(
            """
            CREATE TEMP TABLE bench_pairs ON COMMIT DROP AS
            SELECT e.id AS employee_id, p.id AS parent_id
            FROM bench_ids be JOIN accounts_insuredperson e ON e.national_id = be.nid
            JOIN bench_ids bp ON bp.i = be.i AND bp.kind = 'p'
            JOIN accounts_insuredperson p ON p.national_id = bp.nid
            WHERE be.kind = 'e'
            """
        )
        c.execute(
            """
            INSERT INTO accounts_relationship (person_a_id, person_b_id, kind, created_at)
            SELECT parent_id, employee_id, 'parent', now() FROM bench_pairs
            """
        )
        c.execute(
            """
            INSERT INTO wallet_wallet (person_id, usage_region_id, status, opened_at, by_proxy,
                                       batch_ref)
            SELECT employee_id, %(cq)s, 'open', now(), false, 'bench' FROM bench_pairs
            UNION ALL
            SELECT parent_id, %(cd)s, 'open', now(), true, 'bench' FROM bench_pairs
            """,
            {"cq": cq.pk, "cd": cd.pk},
        )
        c.execute(
            """
            INSERT INTO wallet_ledgeraccount (kind, person_id, shard, balance, created_at)
            SELECT 'wallet', employee_id, 0, 0, now() FROM bench_pairs
            UNION ALL SELECT 'wallet', parent_id, 0, 0, now() FROM bench_pairs
            UNION ALL SELECT 'personal', employee_id, 0, %(b)s::numeric, now() FROM bench_pairs
            """,
            {"b": balance},
        )
        # The money came in as contributions: one balanced pair per employee.
        c.execute(
            "SELECT id FROM wallet_ledgeraccount WHERE kind = 'contributions' AND person_id IS NULL"
        )
        source = c.fetchone()[0]
        c.execute(
            """
            INSERT INTO wallet_ledgerentry (movement, account_id, amount, kind, ref, at)
            SELECT m, leg.account_id, leg.amount, 'contribution', 'bench', now()
            FROM (SELECT gen_random_uuid() AS m, a.id FROM wallet_ledgeraccount a
                  JOIN bench_pairs p ON p.employee_id = a.person_id
                  WHERE a.kind = 'personal') AS x
            CROSS JOIN LATERAL (VALUES (%(src)s, -%(b)s::numeric), (x.id, %(b)s::numeric))
              AS leg(account_id, amount)
            """,
            {"src": source, "b": balance},
        )
        c.execute(
            "UPDATE wallet_ledgeraccount SET balance = balance - %(b)s::numeric * %(n)s"
            " WHERE id = %(src)s",
            {"src": source, "b": balance, "n": n},
        )
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"setup: {n} employee/parent pairs in {time.monotonic() - started:.1f}s", flush=True)


def pair_ids() -> list[tuple[int, int]]:
    from accounts.models import Relationship

    return list(
        Relationship.objects.filter(kind="parent")
        .order_by("person_b_id")
        .values_list("person_b_id", "person_a_id")
    )
