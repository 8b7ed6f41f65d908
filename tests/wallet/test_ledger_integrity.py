"""W10 in the database itself: an entry always names an existing account, and
ledger accounts are never deleted or renumbered (PostgreSQL triggers, migration
0005), so the sweep's per-statement check guarantees what a foreign key did; and
a movement whose entries do not sum to zero is refused at commit (a deferred
constraint trigger, migration 0009)."""

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from wallet.models import LedgerAccount, LedgerEntry, MovementKind

pytestmark = pytest.mark.django_db


def entry(account_id: int, amount: str, movement=None) -> LedgerEntry:
    return LedgerEntry(
        movement=movement or uuid.uuid4(),
        account_id=account_id,
        amount=Decimal(amount),
        kind=MovementKind.CONTRIBUTION,
        ref="test",
    )


def test_an_entry_for_an_account_that_does_not_exist_is_refused():
    missing = (LedgerAccount.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    source = LedgerAccount.objects.filter(kind="contributions").first()
    movement = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.bulk_create(
            [entry(source.pk, "-1.00", movement), entry(missing, "1.00", movement)]
        )
    assert not LedgerEntry.objects.filter(ref="test").exists()


def test_entries_for_existing_accounts_are_written():
    source = LedgerAccount.objects.filter(kind="contributions").first()
    holding = LedgerAccount.objects.filter(kind="holding").first()
    movement = uuid.uuid4()
    LedgerEntry.objects.bulk_create(
        [entry(source.pk, "-1.00", movement), entry(holding.pk, "1.00", movement)]
    )
    assert LedgerEntry.objects.filter(ref="test").count() == 2


def test_a_movement_that_does_not_sum_to_zero_is_refused_at_commit():
    """W10: the database refuses an unbalanced movement, whoever writes it; the
    check waits for the commit, so one movement may take several statements."""
    source = LedgerAccount.objects.filter(kind="contributions").first()
    holding = LedgerAccount.objects.filter(kind="holding").first()
    lopsided, alone, spread = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for entries in (
        [entry(source.pk, "-1.00", lopsided), entry(holding.pk, "0.99", lopsided)],
        [entry(source.pk, "-1.00", alone)],
    ):
        with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
            LedgerEntry.objects.bulk_create(entries)
            connection.check_constraints()  # what COMMIT does with deferred checks
    with transaction.atomic():
        LedgerEntry.objects.bulk_create([entry(source.pk, "-2.50", spread)])
        LedgerEntry.objects.bulk_create([entry(holding.pk, "2.50", spread)])
        connection.check_constraints()
    assert LedgerEntry.objects.filter(movement=spread).count() == 2
    assert not LedgerEntry.objects.filter(movement__in=[lopsided, alone]).exists()


def test_ledger_accounts_are_never_deleted_or_renumbered():
    account = LedgerAccount.objects.filter(kind="holding").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk)._raw_delete(using="default")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk).update(id=account.pk + 100000)
    # Balance updates, which never name the id, are untouched by the guard.
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance)
    assert LedgerAccount.objects.filter(pk=account.pk).exists()
