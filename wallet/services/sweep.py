"""The morning sweep (W9): every transfer still pending at 06:00 on the day after
it was made goes back to its sender, exactly once.

Set-based and chunked. Each chunk is one short transaction of ONE statement
(wallet/sql/sweep.py): pick up to `chunk_size` overdue pending transfers with FOR
UPDATE SKIP LOCKED, mark them returned and post their movements through the one
posting primitive (entries, balance change per account, accounts locked in pk
order, the order every money path uses). No row ever reaches Python, so memory
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

from accounts.models import MessageKind
from core import clock
from core.audit import audit_record
from wallet.actions import Action
from wallet.models import MovementKind, Transfer
from wallet.sql import sweep as sweep_sql

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000

# The transition the sweep makes, from the model's flow (core.transitions): the
# same check every single accept or decline goes through.
_SOURCES = [str(state) for state in Transfer.flow.sources(Transfer.State.RETURNED)]


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
        # Bound on the client: the planner sees the states as constants and keeps
        # to the partial index of pending rows.
        "sources": _SOURCES,
        "returned": Transfer.State.RETURNED.value,
        "kind": MovementKind.TRANSFER_RETURN.value,
        "message_kind": MessageKind.TRANSFER_RETURNED.value,
        "link": reverse("wallet:history"),
    }
    chunk = sweep_sql.RETURN_CHUNK
    if ids is not None:
        chunk = sweep_sql.RETURN_CHUNK_OF
        params["ids"] = list(ids)
    with connection.cursor() as cursor:
        cursor.execute(chunk.text, params)
        returned, _accounts = cursor.fetchone()
    return returned
