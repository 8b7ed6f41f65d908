"""W10 in the database itself: an entry always names an existing account, and
ledger accounts are never deleted or renumbered (PostgreSQL triggers, migration
0005), so the sweep's per-statement check guarantees what a foreign key did."""

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Max

from wallet.models import LedgerAccount, LedgerEntry, MovementKind

pytestmark = pytest.mark.django_db


def entry(account_id: int, amount: str) -> LedgerEntry:
    return LedgerEntry(
        movement=uuid.uuid4(),
        account_id=account_id,
        amount=Decimal(amount),
        kind=MovementKind.CONTRIBUTION,
        ref="test",
    )


def test_an_entry_for_an_account_that_does_not_exist_is_refused():
    missing = (LedgerAccount.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    source = LedgerAccount.objects.filter(kind="contributions").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.bulk_create([entry(source.pk, "-1.00"), entry(missing, "1.00")])
    assert not LedgerEntry.objects.filter(ref="test").exists()


def test_entries_for_existing_accounts_are_written():
    source = LedgerAccount.objects.filter(kind="contributions").first()
    holding = LedgerAccount.objects.filter(kind="holding").first()
    LedgerEntry.objects.bulk_create([entry(source.pk, "-1.00"), entry(holding.pk, "1.00")])
    assert LedgerEntry.objects.filter(ref="test").count() == 2


def test_ledger_accounts_are_never_deleted_or_renumbered():
    account = LedgerAccount.objects.filter(kind="holding").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk)._raw_delete(using="default")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk).update(id=account.pk + 100000)
    # Balance updates, which never name the id, are untouched by the guard.
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance)
    assert LedgerAccount.objects.filter(pk=account.pk).exists()
