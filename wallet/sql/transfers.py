"""A transfer create's three round trips (W4–W8): lock the sender's paying account
and read every fact the rules need, count the sender's transfers after the lock,
and write the transfer with its ledger movement (wallet.sql.ledger) and its
audit row (core.audit's insert). Prepared once per connection."""

from psycopg import sql as pg

from accounts.sql import people
from core.audit import audit_insert
from core.sql import col, statement
from wallet.models import LedgerAccount, Transfer, Wallet, WalletPolicy
from wallet.sql.ledger import posting

POLICY_FIELDS = [f.attname for f in WalletPolicy._meta.concrete_fields]

# The recipient's open wallet: its usage region decides W5 (live, province).
_RECIPIENT_WALLET = col("w", Wallet, "usage_region")

FACTS = statement(
    "wallet",
    "transfer_facts",
    """
    WITH locked AS (
        SELECT {a.id}, {a.kind}, {a.balance} FROM {a} a
        WHERE ({a.person} = %(sender)s AND {a.kind} = %(from_kind)s)
           OR ({a.person} IS NULL AND {a.kind} = %(holding)s AND {a.shard} = %(shard)s)
        ORDER BY {a.id}
        FOR NO KEY UPDATE
    )
    SELECT
        (SELECT id FROM locked WHERE kind = %(from_kind)s),
        (SELECT balance FROM locked WHERE kind = %(from_kind)s),
        (SELECT id FROM locked WHERE kind = %(holding)s),
        (SELECT {ta.id} FROM {ta} ta WHERE {ta.person} = %(recipient)s AND {ta.kind} = %(wallet)s),
        EXISTS (SELECT 1 FROM {sw} sw WHERE {sw.person} = %(sender)s AND {sw.status} = %(open)s),
        (SELECT {live} FROM {w} w WHERE {w.person} = %(recipient)s AND {w.status} = %(open)s),
        (SELECT {province} FROM {w} w WHERE {w.person} = %(recipient)s AND {w.status} = %(open)s),
        {related},
        {pol.*}
    FROM {pol} pol
    WHERE {pol.id} = 1
    """,
    serves="transfer",
    a=LedgerAccount,
    ta=LedgerAccount,
    sw=Wallet,
    w=Wallet,
    pol=WalletPolicy,
    live=people.region_wallet_live(_RECIPIENT_WALLET),
    province=people.region_province(_RECIPIENT_WALLET),
    related=people.related(pg.SQL("%(sender)s"), pg.SQL("%(recipient)s")),
)

SEEN = statement(
    "wallet",
    "transfer_seen",
    """
    SELECT MAX({t.id}) FILTER (WHERE {t.idempotency_key} = %(key)s),
           COUNT(*) FILTER (WHERE {t.local_day} = %(day)s),
           COALESCE(SUM({t.amount}) FILTER (WHERE {t.local_day} = %(day)s), 0),
           MAX({t.id}) FILTER (WHERE {t.state} = %(pending)s)
    FROM {t} t
    WHERE {t.sender} = %(sender)s
    """,
    serves="transfer",
    t=Transfer,
)

WRITE = statement(
    "wallet",
    "transfer_write",
    """
    WITH t AS (
        INSERT INTO {tr} ({tr:sender}, {tr:recipient}, {tr:amount}, {tr:state}, {tr:source},
            {tr:from_account}, {tr:holding_account}, {tr:to_account}, {tr:idempotency_key},
            {tr:created_at}, {tr:created_by}, {tr:local_day}, {tr:due_back_at},
            {tr:single_pending}, {tr:decided_at}, {tr:decided_by})
        VALUES
            (%(sender)s, %(recipient)s, %(amount)s, %(pending)s, %(source)s, %(from_id)s,
             %(holding_id)s, %(to_id)s, %(key)s, %(now)s, %(actor)s, %(day)s, %(due)s,
             %(single)s, NULL, NULL)
        RETURNING {tr:id}
    ), legs AS (
        SELECT %(movement)s::uuid AS movement, leg.account_id, leg.amount,
               %(kind)s::text AS kind, 'transfer:' || t.id AS ref, %(now)s::timestamptz AS at
        FROM t CROSS JOIN (VALUES (%(from_id)s::bigint, -%(amount)s::numeric),
                                  (%(holding_id)s::bigint, %(amount)s::numeric))
            AS leg (account_id, amount)
    ), {posting}, audit AS (
        {audit}
    )
    SELECT id FROM t
    """,
    serves="transfer",
    tr=Transfer,
    posting=posting(),
    audit=audit_insert(
        pg.SQL(
            "SELECT %(now)s, %(actor)s, %(sender)s, %(action)s, %(target)s || t.id,"
            " %(details)s::jsonb, %(actor_label)s, %(person_label)s FROM t"
        )
    ),
)
