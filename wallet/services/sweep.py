"""The morning sweep (W9): every transfer still pending at 06:00 on the day after
it was made goes back to its sender, exactly once.

Set-based and chunked. Each chunk is one short transaction of ONE statement
(PostgreSQL): pick up to `chunk_size` overdue pending transfers with FOR UPDATE
SKIP LOCKED, mark them returned, bulk-insert their two ledger entries each, add up
the balance change per account, lock those accounts in pk order (the order every
money path uses) and apply the changes. No row ever reaches Python, so memory
stays flat for a million transfers. A chunk commits or vanishes as a whole, and a
returned transfer is no longer pending, so running the job twice, concurrently,
or again after it was killed half way returns each transfer exactly once.
A transfer someone is accepting right now is skipped (SKIP LOCKED) and settled
by them: after 06:00 the accept turns into a return (transfers._decide).
The same statement writes the "money is back" message (消息中心) to the login
that sent each transfer.

The one status change made here outside core.transitions.transition, because
one statement per chunk is the point: it reads which states may become
"returned" from Transfer.flow like every single decision does, and writes one
audit row per run (transfer.sweep, with the count), not one per transfer.
"""

import logging

from django.db import connection, transaction
from django.urls import reverse

from core import clock
from core.audit import Action, audit_record
from wallet.models import MovementKind, Transfer

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000

_RETURN_CHUNK = """
WITH picked AS (
    SELECT id FROM wallet_transfer
    WHERE state IN ({sources}) AND due_back_at <= %(now)s {only_ids}
    ORDER BY due_back_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE wallet_transfer AS t
    SET state = '{returned}', decided_at = %(now)s, decided_by_id = NULL
    WHERE t.id = ANY(ARRAY(SELECT id FROM picked))  -- primary-key probes, never a scan
    RETURNING t.id, t.amount, t.from_account_id, t.holding_account_id, t.sender_id,
        t.recipient_id, t.created_by_id
), told AS (
    -- The message centre: the login that sent the money hears it is back, in
    -- the same statement (so exactly once too). Transfers made without a login
    -- (none from the portal) tell nobody and cost no join.
    INSERT INTO accounts_inboxmessage
        (user_id, kind, person_id, facts, link, important, key, created_at)
    SELECT m.created_by_id, 'transfer_returned', m.sender_id,
           jsonb_build_object('recipient', r.name, 'amount', m.amount::text),
           %(link)s, false, '', %(now)s
    FROM moved AS m
    JOIN accounts_insuredperson AS r ON r.id = m.recipient_id
    WHERE m.created_by_id IS NOT NULL
), entries AS (
    INSERT INTO wallet_ledgerentry (movement, account_id, amount, kind, ref, at)
    SELECT m.movement, leg.account_id, leg.amount, %(kind)s, 'transfer:' || m.id, %(now)s
    FROM (SELECT gen_random_uuid() AS movement, * FROM moved) AS m
    CROSS JOIN LATERAL (
        VALUES (m.holding_account_id, -m.amount), (m.from_account_id, m.amount)
    ) AS leg (account_id, amount)
), deltas AS (
    SELECT account_id, SUM(delta) AS delta
    FROM (
        SELECT holding_account_id AS account_id, -amount AS delta FROM moved
        UNION ALL
        SELECT from_account_id, amount FROM moved
    ) AS changes
    GROUP BY account_id
), locked AS (
    -- Rows are locked as the sort emits them: ascending pk, the order every money
    -- path locks accounts in, so the sweep never deadlocks with a transfer.
    SELECT a.id, deltas.delta
    FROM wallet_ledgeraccount AS a JOIN deltas ON deltas.account_id = a.id
    ORDER BY a.id
    FOR NO KEY UPDATE OF a
), applied AS (
    UPDATE wallet_ledgeraccount AS a
    SET balance = a.balance + locked.delta
    FROM locked
    WHERE a.id = locked.id
    RETURNING a.id
)
SELECT (SELECT COUNT(*) FROM moved), (SELECT COUNT(*) FROM applied)
"""


# The transition the sweep makes, from the model's flow (core.transitions): the
# same check every single accept or decline goes through, written into the SQL
# as literals so the planner keeps using the partial index of pending rows
# (x IN ('pending') is x = 'pending' to PostgreSQL).
_SOURCES = Transfer.flow.sources(Transfer.State.RETURNED)
_STATES = {
    "sources": ", ".join(f"'{state}'" for state in _SOURCES),
    "returned": Transfer.State.RETURNED.value,
}


def transfers_sweep(
    *, now=None, chunk_size: int = CHUNK_SIZE, ids=None, acting_user=None, progress=None
) -> int:
    """Return every transfer pending at `now` whose due-back time (06:00 on the
    day after it was made, WalletPolicy.sweep_at) has come. `ids` limits it to
    some transfers (the admin's action). `progress()` is called after each chunk
    (a background job's sign of life). Returns how many it returned."""
    now = now or clock.now()
    total = 0
    while True:
        returned = _sweep_chunk(now=now, limit=chunk_size, ids=ids)
        total += returned
        if returned == 0:
            break
        if progress is not None:
            progress()
    log.info("morning sweep at %s: %d unclaimed transfers returned", now.isoformat(), total)
    if total:
        audit_record(
            actor=acting_user,
            action=Action.TRANSFER_SWEEP,
            details={"returned": total, "now": now.isoformat()},
        )
    return total


def _sweep_chunk(*, now, limit: int, ids=None) -> int:
    """One chunk in its own transaction; returns how many transfers it returned."""
    with transaction.atomic():
        return _return_chunk(now=now, limit=limit, ids=ids)


def _return_chunk(*, now, limit: int, ids=None) -> int:
    params = {
        "now": now,
        "limit": limit,
        "kind": MovementKind.TRANSFER_RETURN,
        "link": reverse("wallet:history"),
    }
    only_ids = ""
    if ids is not None:
        only_ids = "AND id = ANY(%(ids)s)"
        params["ids"] = list(ids)
    with connection.cursor() as cursor:
        cursor.execute(_RETURN_CHUNK.format(only_ids=only_ids, **_STATES), params)
        returned, _accounts = cursor.fetchone()
    return returned
