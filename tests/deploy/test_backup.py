"""Backups that restore: deploy/backup.sh dumps the database (and the uploaded
documents), deploy/restore.sh puts them into a fresh database, and there the
ledger reconciles (ledger_check clean) with every balance as it was."""

import datetime
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from tests.processes import BASE_DIR, database_url, portal_env
from tests.wallet.factories import make_family
from wallet.models import LedgerAccount, Transfer
from wallet.services import payout_for_person, transfer_accept, transfer_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def money_happened() -> None:
    """Contributions, a transfer accepted, one still pending, a payment."""
    one, two = make_family(), make_family()
    made = transfer_create(
        sender=one["employee"],
        recipient=one["parent"],
        amount="250.00",
        idempotency_key="backup-1",
        acting_user=one["user"],
    )
    transfer_accept(transfer_id=made.pk, acting_user=one["parent_user"])
    transfer_create(
        sender=two["employee"],
        recipient=two["parent"],
        amount="99.99",
        idempotency_key="backup-2",
        acting_user=two["user"],
    )
    payout_for_person(
        person=one["parent"],
        amount="120.00",
        purpose="bill",
        reference="backup-bill",
        acting_user=None,
        allow_cash=True,
    )


@pytest.fixture
def fresh_database():
    """An empty database of this test's own, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = database_url().rsplit("/", 1)[0] + f"/{name}"
    yield url
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_a_fresh_database_with_the_same_balances(
    tmp_path, fresh_database, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    money_happened()
    balances = dict(LedgerAccount.objects.values_list("pk", "balance"))
    pending = Transfer.objects.filter(state="pending").count()
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "birth-certificate.pdf").write_bytes(b"%PDF-1.4 scan")

    backup = tmp_path / "backup"
    made = subprocess.run(
        [str(BASE_DIR / "deploy/backup.sh"), str(backup)],
        env=portal_env(MEDIA_ROOT=str(media)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "MANIFEST"}

    restored_media = tmp_path / "restored-media"
    restored = subprocess.run(
        [str(BASE_DIR / "deploy/restore.sh"), str(backup)],
        env=portal_env(DATABASE_URL=fresh_database, MEDIA_ROOT=str(restored_media)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "ledger_check: every balance matches its entries" in restored.stdout
    with psycopg.connect(fresh_database.replace("postgres://", "postgresql://")) as copy:
        again = dict(copy.execute("SELECT id, balance FROM wallet_ledgeraccount").fetchall())
        pending_again = copy.execute(
            "SELECT count(*) FROM wallet_transfer WHERE state = 'pending'"
        ).fetchone()[0]
    assert again == balances and pending_again == pending == 1
    assert (restored_media / "documents/birth-certificate.pdf").read_bytes() == b"%PDF-1.4 scan"

    # Never over a live database: restoring again into the now full one is refused.
    refused = subprocess.run(
        [str(BASE_DIR / "deploy/restore.sh"), str(backup)],
        env=portal_env(DATABASE_URL=fresh_database),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "not empty" in refused.stderr


def test_a_tampered_backup_is_refused(tmp_path, fresh_database):
    make_family()
    backup = tmp_path / "backup"
    env = portal_env(MEDIA_ROOT=str(tmp_path / "no-media"))
    subprocess.run([str(BASE_DIR / "deploy/backup.sh"), str(backup)], env=env, check=True)
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"x")
    refused = subprocess.run(
        [str(BASE_DIR / "deploy/restore.sh"), str(backup)],
        env=portal_env(DATABASE_URL=fresh_database),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "MANIFEST" in refused.stderr
