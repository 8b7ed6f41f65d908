"""The ledger's accounts and the pair movement (W10): a pair of entries plus the
two balance updates, in the caller's transaction, posted by the one posting
primitive (wallet/sql/ledger.py). See wallet/models/ledger.py for the sign
convention."""

import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import InsuredPerson
from core import clock
from core.db import prepared_cursor
from core.money import CENT
from wallet.models import HOLDING_SHARDS, SINK_SHARDS, LedgerAccount, MovementKind
from wallet.sql import ledger as ledger_sql


def system_account_id(*, kind: str, shard: int = 0) -> int:
    """The id of a system account (holding or external), created on first use so a
    fresh database (or a flushed test database) needs no setup."""
    found = (
        LedgerAccount.objects.filter(kind=kind, shard=shard, person__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(kind=kind, shard=shard).pk
    except IntegrityError:  # created by a concurrent request
        return LedgerAccount.objects.get(kind=kind, shard=shard, person__isnull=True).pk


def holding_shard_for(*, sender_id: int) -> int:
    """Which holding-account row a sender's transfers use (see HOLDING_SHARDS)."""
    return sender_id % HOLDING_SHARDS


def sink_shard_for(*, person_id: int) -> int:
    """Which bills / premiums sink row a person's pay-outs go to (SINK_SHARDS)."""
    return person_id % SINK_SHARDS


def person_account(*, person: InsuredPerson, kind: str) -> LedgerAccount:
    """The person's personal or wallet account, created (empty) on first use."""
    account = LedgerAccount.objects.filter(person=person, kind=kind).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(person=person, kind=kind)
    except IntegrityError:
        return LedgerAccount.objects.get(person=person, kind=kind)


def lock_accounts(ids: Iterable[int]) -> dict[int, LedgerAccount]:
    """Lock accounts FOR UPDATE in ascending pk order — the one order every money
    path uses, so two transactions never wait for each other in a circle."""
    # NO KEY UPDATE: the lock an UPDATE of the balance needs, and no stronger, so
    # inserts that merely reference these accounts (foreign keys) never wait.
    accounts = (
        LedgerAccount.objects.select_for_update(no_key=True).filter(pk__in=set(ids)).order_by("pk")
    )
    return {account.pk: account for account in accounts}


def post_pair(
    *,
    kind: str,
    out_of: int,
    into: int,
    amount: Decimal,
    ref: str,
    at=None,
    movement: uuid.UUID | None = None,
) -> uuid.UUID:
    """Move `amount` from account `out_of` to account `into`: two entries that sum
    to zero and the two balance updates, in the caller's transaction (which must
    be atomic). Callers lock the rows first with ``lock_accounts`` (pk order, so
    no deadlocks) and decide on the balances they read under that lock (the
    primitive locks them again in that order, at no cost); the
    balance CheckConstraint refuses any overdraft anyway (IntegrityError), so a
    caller's mistake can never create money."""
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValueError(f"a movement needs a positive amount in fen, not {amount!r}")
    if out_of == into:
        raise ValueError("a movement needs two different accounts")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post_pair must run inside transaction.atomic()")
    movement = movement or uuid.uuid4()
    # One statement for both entries and both balances (one round trip).
    with prepared_cursor() as cursor:
        cursor.execute(
            ledger_sql.POST_PAIR.text,
            {
                "movement": movement,
                "kind": str(kind),
                "ref": ref,
                "at": at or clock.now(),
                "out_of": out_of,
                "into": into,
                "amount": amount,
            },
        )
    return movement


__all__ = [
    "MovementKind",
    "holding_shard_for",
    "lock_accounts",
    "person_account",
    "post_pair",
    "sink_shard_for",
    "system_account_id",
]
