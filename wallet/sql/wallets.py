"""Opening wallets in bulk (W1, W2; wallet.services.wallets.wallet_open_bulk):
three statements whatever the number of rows. Their ledger accounts are opened
by the ledger's own statement (wallet.sql.ledger.ACCOUNTS_OPEN)."""

from psycopg import sql as pg

from accounts.sql import people
from core.audit import audit_insert
from core.sql import statement
from wallet.models import Wallet

# W1: active persons, live provinces; the unique person key skips any person who
# already has a wallet (opened by anyone, at any time).
OPEN_BULK = statement(
    "wallet",
    "wallets_open_bulk",
    """
    INSERT INTO {w} ({w:person}, {w:usage_region}, {w:status}, {w:opened_at}, {w:opened_by},
        {w:by_proxy}, {w:batch_ref})
    SELECT x.person_id, x.region_id, %(open)s, %(now)s, %(actor)s, TRUE, %(batch)s
    FROM unnest(%(persons)s::bigint[], %(regions)s::bigint[]) AS x (person_id, region_id)
    WHERE {status} = %(active)s AND {live}
    ORDER BY x.person_id
    ON CONFLICT ({w:person}) DO NOTHING
    RETURNING {w:id}, {w:person}, {w:usage_region}
    """,
    w=Wallet,
    status=people.person_status(pg.Identifier("x", "person_id")),
    live=people.region_wallet_live(pg.Identifier("x", "region_id")),
)

# The same row accounts.services.audit_record writes, labels included: who
# (username) and for whom (name and masked ID, never the full number, A1).
AUDIT_BULK = statement(
    "wallet",
    "wallets_open_bulk_audit",
    "{audit}",
    audit=audit_insert(
        pg.SQL(
            """SELECT %(now)s, %(actor)s, x.person_id, %(action)s, x.target, x.details::jsonb,
                      %(actor_label)s, {label}
               FROM unnest(%(persons)s::bigint[], %(targets)s::text[], %(details)s::text[])
                    AS x (person_id, target, details)"""
        ).format(label=people.person_label(pg.Identifier("x", "person_id")).composed)
    ),
)
