"""The database side of transfer_create: read the facts the rules need (locking the
sender's account), count today's transfers, write the transfer with its ledger
movement. transfers.transfer_create decides; this module only reads and writes.

Two implementations with the same results:
- PostgreSQL (production, tests, the benchmark): hand-written statements, so a
  transfer is three round trips inside BEGIN/COMMIT (lock + facts, today's
  counts, the write with its ledger pair and its audit row). Every round trip is
  paid by every transfer, and the throughput target (bench/transfers.py) is set
  against pgbench's five-statement transaction. The statements are prepared once
  per connection (core.db.prepared_cursor): planning the facts query alone cost
  about twice its execution.
- Portable ORM (SQLite, the embedded `make run`): the same reads and writes
  through the ORM. tests/wallet/test_transfers.py runs the rules over both.
"""

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from core.db import prepared_cursor
from wallet.models import (
    AccountKind,
    MovementKind,
    Transfer,
    WalletPolicy,
)
from wallet.services.ledger import (
    holding_shard_for,
    person_account,
    system_account_id,
)

POLICY_FIELDS = [f.attname for f in WalletPolicy._meta.concrete_fields]


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

_FACTS_SQL_TEMPLATE = """
WITH locked AS (
    SELECT id, kind, balance FROM wallet_ledgeraccount
    WHERE (person_id = %(sender)s AND kind = %(from_kind)s)
       OR (person_id IS NULL AND kind = 'holding' AND shard = %(shard)s)
    ORDER BY id
    FOR NO KEY UPDATE
)
SELECT
    (SELECT id FROM locked WHERE kind = %(from_kind)s),
    (SELECT balance FROM locked WHERE kind = %(from_kind)s),
    (SELECT id FROM locked WHERE kind = 'holding'),
    (SELECT id FROM wallet_ledgeraccount WHERE person_id = %(recipient)s AND kind = 'wallet'),
    EXISTS (SELECT 1 FROM wallet_wallet WHERE person_id = %(sender)s AND status = 'open'),
    (SELECT p.wallet_live FROM wallet_wallet w
       JOIN accounts_region r ON r.id = w.usage_region_id
       JOIN accounts_province p ON p.id = r.province_id
      WHERE w.person_id = %(recipient)s AND w.status = 'open'),
    (SELECT r.province_id FROM wallet_wallet w
       JOIN accounts_region r ON r.id = w.usage_region_id
      WHERE w.person_id = %(recipient)s AND w.status = 'open'),
    EXISTS (SELECT 1 FROM accounts_relationship
             WHERE (person_a_id = %(sender)s AND person_b_id = %(recipient)s)
                OR (person_a_id = %(recipient)s AND person_b_id = %(sender)s)),
    {policy_columns}
FROM wallet_walletpolicy AS pol
WHERE pol.id = 1
"""
# One fixed text, so the server prepares it once per connection.
_FACTS_SQL = _FACTS_SQL_TEMPLATE.format(
    policy_columns=", ".join(f"pol.{name}" for name in POLICY_FIELDS)
)


def load_facts(*, sender, recipient, from_kind: str) -> Facts:
    """Lock the sender's paying account and their holding shard (pk order) and read
    everything else the rules need. Creates missing accounts on the way (a new
    employee, a fresh database). Must run inside the transaction."""
    facts = _facts_sql(sender=sender, recipient=recipient, from_kind=from_kind)
    if facts is None or facts.from_id is None or facts.holding_id is None:
        WalletPolicy.current()
        person_account(person=sender, kind=from_kind)
        system_account_id(kind=AccountKind.HOLDING, shard=holding_shard_for(sender_id=sender.pk))
        facts = _facts_sql(sender=sender, recipient=recipient, from_kind=from_kind)
    if facts.to_id is None and facts.recipient_wallet_live is not None:
        facts.to_id = person_account(person=recipient, kind=AccountKind.WALLET).pk
    return facts


def _facts_sql(*, sender, recipient, from_kind) -> Facts | None:
    sql = _FACTS_SQL
    params = {
        "sender": sender.pk,
        "recipient": recipient.pk,
        "from_kind": from_kind,
        "shard": holding_shard_for(sender_id=sender.pk),
    }
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
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


_SEEN_SQL = """
SELECT MAX(id) FILTER (WHERE idempotency_key = %(key)s),
       COUNT(*) FILTER (WHERE local_day = %(day)s),
       COALESCE(SUM(amount) FILTER (WHERE local_day = %(day)s), 0),
       MAX(id) FILTER (WHERE state = 'pending')
FROM wallet_transfer
WHERE sender_id = %(sender)s
"""


def load_seen(*, sender, idempotency_key: str, day) -> Seen:
    """Today's count and sum, any pending transfer and a transfer with this key.
    Runs after load_facts took the lock, so it sees every committed transfer of
    this sender (READ COMMITTED takes a new snapshot per statement)."""
    with prepared_cursor() as cursor:
        cursor.execute(_SEEN_SQL, {"sender": sender.pk, "key": idempotency_key, "day": day})
        same_key, today, today_sum, pending = cursor.fetchone()
    return Seen(same_key=same_key, today=today, today_sum=today_sum, pending=pending)


# Write ----------------------------------------------------------------------------

_WRITE_SQL = """
WITH t AS (
    INSERT INTO wallet_transfer
        (sender_id, recipient_id, amount, state, source, from_account_id, holding_account_id,
         to_account_id, idempotency_key, created_at, created_by_id, local_day, due_back_at,
         single_pending, decided_at, decided_by_id)
    VALUES
        (%(sender)s, %(recipient)s, %(amount)s, 'pending', %(source)s, %(from_id)s,
         %(holding_id)s, %(to_id)s, %(key)s, %(now)s, %(actor)s, %(day)s, %(due)s,
         %(single)s, NULL, NULL)
    RETURNING id
), moved AS (
    UPDATE wallet_ledgeraccount
    SET balance = balance + CASE WHEN id = %(from_id)s THEN -%(amount)s ELSE %(amount)s END
    WHERE id IN (%(from_id)s, %(holding_id)s)
), entries AS (
    INSERT INTO wallet_ledgerentry (movement, account_id, amount, kind, ref, at)
    SELECT %(movement)s, leg.account_id, leg.amount, %(kind)s, 'transfer:' || t.id, %(now)s
    FROM t CROSS JOIN (VALUES (%(from_id)s::bigint, -%(amount)s::numeric),
                              (%(holding_id)s::bigint, %(amount)s::numeric))
        AS leg (account_id, amount)
), audit AS (
    INSERT INTO accounts_auditevent
        (at, actor_id, person_id, action, target, details, actor_label, person_label)
    SELECT %(now)s, %(actor)s, %(sender)s, %(action)s, %(target)s || t.id, %(details)s::jsonb,
           %(actor_label)s, %(person_label)s
    FROM t
)
SELECT id FROM t
"""


def write_transfer(*, transfer: Transfer, audit: dict) -> Transfer:
    """Insert the (unsaved) transfer, move its amount from its from_account to its
    holding account and write its audit row (``audit``: the values from
    accounts.services.audit_row, the target filled in here): one statement on
    PostgreSQL. The caller holds the locks on both accounts (load_facts)."""
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
        "kind": MovementKind.TRANSFER,
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
    with prepared_cursor() as cursor:
        cursor.execute(_WRITE_SQL, params)
        transfer.pk = cursor.fetchone()[0]
    transfer._state.adding = False
    return transfer


__all__ = ["Facts", "Seen", "load_facts", "load_seen", "write_transfer"]
