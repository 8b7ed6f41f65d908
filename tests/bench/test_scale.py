"""bench/scale.py's population is data the portal accepts: loaded at a tiny size
into the test database, every row passes the database's own rules (constraints,
the ledger's triggers at commit) and the ledger reconciles (W10), in full and
incrementally from the checkpoint the first check leaves."""

import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from accounts.models import DependentBinding, InsuredPerson, Relationship
from claims.models import Bill
from wallet.models import Contribution, LedgerAccount, LedgerCheck, Transfer
from wallet.selectors import ledger_problems
from wallet.services.reconcile import ledger_check_run

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import _population

pytestmark = pytest.mark.django_db


def test_the_generated_population_is_valid_and_the_ledger_reconciles():
    counts = _population.populate(300, log=lambda line: None)

    assert InsuredPerson.objects.count() == 300 and counts["logins"] == 100
    assert get_user_model().objects.filter(insured_person__isnull=False).count() == 100
    assert Relationship.objects.count() == 200
    assert DependentBinding.objects.filter(status="active").count() == 200
    assert Contribution.objects.count() == 12 * 100
    assert Transfer.objects.filter(state="accepted").count() == 20
    assert Bill.objects.filter(status="settled").count() == 450
    # Every row as the models would validate it (ID numbers' check digits included).
    for person in InsuredPerson.objects.order_by("?")[:20]:
        person.full_clean()
    # Deferred constraints (foreign keys, the movement balance check) now, not
    # at a commit the test never reaches.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert ledger_problems() == []
    full = ledger_check_run(trigger=LedgerCheck.Trigger.COMMAND)
    assert full.is_clean and full.full and full.upto_entry is not None
    nightly = ledger_check_run(trigger=LedgerCheck.Trigger.NIGHTLY)
    assert nightly.is_clean and not nightly.full


def test_an_incremental_check_reads_the_accounts_changed_since_and_nothing_else():
    _population.populate(30, log=lambda line: None)
    ledger_check_run(trigger=LedgerCheck.Trigger.COMMAND)
    account = LedgerAccount.objects.filter(kind="personal").first()
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance - 1)
    check = ledger_check_run(trigger=LedgerCheck.Trigger.NIGHTLY)
    assert not check.full and check.accounts == 1
    assert check.problems == [
        f"account {account.pk} (personal): balance {account.balance - 1} "
        f"but entries sum to {account.balance}"
    ]
