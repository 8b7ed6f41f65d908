"""The database side of transfer_create: read the facts the rules need (locking the
sender's account), count today's transfers, write the transfer with its ledger
movement. transfers.transfer_create decides; this module only reads and writes.

Three statements inside BEGIN/COMMIT (lock + facts, today's counts, the write
with its ledger movement and its audit row), each of wallet/sql/transfers.py;
the first two (with the BEGIN) are sent together, one round trip. Every round
trip is paid by every transfer, and the throughput target (bench/transfers.py)
is set against pgbench's five-statement transaction. The statements are prepared once per connection
(core.db.prepared_cursor): planning the facts query alone cost about twice its
execution.
"""

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from core.reads import Read, read_together
from wallet.models import (
    AccountKind,
    MovementKind,
    Transfer,
    Wallet,
    WalletPolicy,
)
from wallet.services.ledger import (
    holding_shard_for,
    person_account,
    system_account_id,
)
from wallet.sql import transfers as transfer_sql

POLICY_FIELDS = transfer_sql.POLICY_FIELDS


@dataclass
class Facts:
    """What the rules need to know, read under the lock on the sender's account."""

    policy: WalletPolicy
    from_id: int
    holding_id: int
    to_id: int | None
    balance: Decimal
    sender_wallet_open: bool
    recipient_wallet_live: bool | None  # None: no open wallet
    recipient_province_id: int | None
    related: bool


@dataclass
class Seen:
    """The sender's transfers, counted after the lock (W6, W8, idempotency)."""

    same_key: int | None
    today: int
    today_sum: Decimal
    pending: int | None


# Facts ----------------------------------------------------------------------------


def load_facts_and_seen(
    *, sender, recipient, from_kind: str, idempotency_key: str, day
) -> tuple[Facts, Seen]:
    """Lock the sender's paying account and their holding shard (pk order), read
    everything else the rules need, then count the sender's transfers: two
    statements, sent together and answered in one round trip (with the
    transaction's BEGIN; core.reads). The server runs the count after the lock
    is held, in a snapshot of its own (READ COMMITTED takes one per statement),
    so it sees every committed transfer of this sender. Creates missing accounts
    on the way (a new employee, a fresh database): then the facts are read
    again. Must run inside the transaction."""
    facts, seen = read_together(
        [
            _facts_read(sender=sender, recipient=recipient, from_kind=from_kind),
            _seen_read(sender=sender, idempotency_key=idempotency_key, day=day),
        ]
    )
    if facts is None or facts.from_id is None or facts.holding_id is None:
        # Not locked yet (an account was missing): lock, then count again.
        facts = load_facts(sender=sender, recipient=recipient, from_kind=from_kind)
        seen = load_seen(sender=sender, idempotency_key=idempotency_key, day=day)
    elif facts.to_id is None and facts.recipient_wallet_live is not None:
        facts.to_id = person_account(person=recipient, kind=AccountKind.WALLET).pk
    return facts, seen


def load_facts(*, sender, recipient, from_kind: str) -> Facts:
    """Lock the sender's paying account and their holding shard (pk order) and read
    everything else the rules need. Creates missing accounts on the way (a new
    employee, a fresh database). Must run inside the transaction."""
    facts = _facts_read(sender=sender, recipient=recipient, from_kind=from_kind).run()
    if facts is None or facts.from_id is None or facts.holding_id is None:
        WalletPolicy.current()
        person_account(person=sender, kind=from_kind)
        system_account_id(kind=AccountKind.HOLDING, shard=holding_shard_for(sender_id=sender.pk))
        facts = _facts_read(sender=sender, recipient=recipient, from_kind=from_kind).run()
    if facts.to_id is None and facts.recipient_wallet_live is not None:
        facts.to_id = person_account(person=recipient, kind=AccountKind.WALLET).pk
    return facts


def _facts_read(*, sender, recipient, from_kind) -> Read:
    params = {
        "sender": sender.pk,
        "recipient": recipient.pk,
        "from_kind": from_kind,
        "shard": holding_shard_for(sender_id=sender.pk),
        "holding": AccountKind.HOLDING.value,
        "wallet": AccountKind.WALLET.value,
        "open": Wallet.Status.OPEN.value,
    }
    return Read.one(transfer_sql.FACTS.text, params, _facts)


def _facts(rows) -> Facts | None:
    if not rows:
        return None
    row = rows[0]
    policy = WalletPolicy(**dict(zip(POLICY_FIELDS, row[8:], strict=True)))
    return Facts(
        policy=policy,
        from_id=row[0],
        balance=row[1],
        holding_id=row[2],
        to_id=row[3],
        sender_wallet_open=row[4],
        recipient_wallet_live=row[5],
        recipient_province_id=row[6],
        related=row[7],
    )


# Seen -----------------------------------------------------------------------------


def load_seen(*, sender, idempotency_key: str, day) -> Seen:
    """Today's count and sum, any pending transfer and a transfer with this key.
    Runs after load_facts took the lock, so it sees every committed transfer of
    this sender (READ COMMITTED takes a new snapshot per statement)."""
    return _seen_read(sender=sender, idempotency_key=idempotency_key, day=day).run()


def _seen_read(*, sender, idempotency_key: str, day) -> Read:
    params = {
        "sender": sender.pk,
        "key": idempotency_key,
        "day": day,
        "pending": Transfer.State.PENDING.value,
    }

    def build(rows) -> Seen:
        same_key, today, today_sum, pending = rows[0]
        return Seen(same_key=same_key, today=today, today_sum=today_sum, pending=pending)

    return Read.one(transfer_sql.SEEN.text, params, build)


# Write ----------------------------------------------------------------------------


def write_transfer(*, transfer: Transfer, audit: dict) -> Transfer:
    """Insert the (unsaved) transfer, move its amount from its from_account to its
    holding account and write its audit row (``audit``: the values from
    accounts.services.audit_row, the target filled in here): one statement on
    PostgreSQL, one round trip. The caller holds the locks on both accounts (load_facts)."""
    target = f"{Transfer._meta.label}:"
    params = {
        "sender": transfer.sender_id,
        "recipient": transfer.recipient_id,
        "amount": transfer.amount,
        "source": transfer.source,
        "from_id": transfer.from_account_id,
        "holding_id": transfer.holding_account_id,
        "to_id": transfer.to_account_id,
        "key": transfer.idempotency_key,
        "now": transfer.created_at,
        "actor": transfer.created_by_id,
        "day": transfer.local_day,
        "due": transfer.due_back_at,
        "single": transfer.single_pending,
        "movement": uuid.uuid4(),
        "kind": MovementKind.TRANSFER.value,
        "pending": Transfer.State.PENDING.value,
        # The same row audit_record would write (audit_row's values).
        "action": audit["action"],
        "target": target,
        "details": json.dumps(audit["details"]),
        "actor_label": audit["actor_label"],
        "person_label": audit["person_label"],
    }
    if audit["actor"] is not None and audit["actor"].pk != transfer.created_by_id:
        raise ValueError("the audit row's actor is the transfer's creator")
    if audit["person"] is None or audit["person"].pk != transfer.sender_id:
        raise ValueError("the audit row of a transfer is for its sender")
    reads = [Read.one(transfer_sql.WRITE.text, params, lambda rows: rows[0][0])]
    transfer.pk = read_together(reads)[0]
    transfer._state.adding = False
    return transfer


__all__ = ["Facts", "Seen", "load_facts", "load_facts_and_seen", "load_seen", "write_transfer"]
