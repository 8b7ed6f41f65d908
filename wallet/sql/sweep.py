"""The morning sweep's one statement a chunk (W9; wallet.services.sweep): pick
overdue pending transfers (SKIP LOCKED), mark them returned, tell each sender's
login (accounts' inbox insert) and post the money back (wallet.sql.ledger)."""

from psycopg import sql as pg

from accounts.sql import inbox, people
from core.sql import statement
from wallet.models import Transfer
from wallet.sql.ledger import posting

_TEMPLATE = """
WITH picked AS (
    SELECT {t.id} FROM {t} t
    WHERE {t.state} = ANY(%(sources)s) AND {t.due_back_at} <= %(now)s {only_ids}
    ORDER BY {t.due_back_at}, {t.id}
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE {t} t
    SET {t:state} = %(returned)s, {t:decided_at} = %(now)s, {t:decided_by} = NULL
    WHERE {t.id} = ANY(ARRAY(SELECT id FROM picked))  -- primary-key probes, never a scan
    RETURNING {t.id}, {t.amount}, {t.from_account}, {t.holding_account}, {t.sender},
        {t.recipient}, {t.created_by}
), told AS (
    -- The message centre: the login that sent the money hears it is back, in
    -- the same statement (so exactly once too). Transfers made without a login
    -- (none from the portal) tell nobody.
    {told}
), legs AS (
    SELECT m.movement, leg.account_id, leg.amount, %(kind)s::text AS kind,
           'transfer:' || m.id AS ref, %(now)s::timestamptz AS at
    FROM (SELECT gen_random_uuid() AS movement, * FROM moved) AS m
    CROSS JOIN LATERAL (
        VALUES (m.holding_account_id, -m.amount), (m.from_account_id, m.amount)
    ) AS leg (account_id, amount)
), {posting}
SELECT (SELECT COUNT(*) FROM moved), (SELECT COUNT(*) FROM posted)
"""

_TOLD = inbox.inbox_insert(
    pg.SQL(
        """SELECT m.created_by_id, %(message_kind)s, m.sender_id,
                  jsonb_build_object('recipient', {name}, 'amount', m.amount::text),
                  %(link)s, false, '', %(now)s
           FROM moved AS m
           WHERE m.created_by_id IS NOT NULL"""
    ).format(name=people.person_name(pg.Identifier("m", "recipient_id")).composed)
)


def _chunk(name: str, only_ids: str) -> object:
    return statement(
        "wallet",
        name,
        _TEMPLATE.replace("{only_ids}", only_ids),
        t=Transfer,
        told=_TOLD,
        posting=posting(),
    )


RETURN_CHUNK = _chunk("sweep_chunk", "")
# The admin's action: only the transfers it names.
RETURN_CHUNK_OF = _chunk("sweep_chunk_of", "AND {t.id} = ANY(%(ids)s)")
