"""The pay-outs' two statements (wallet.services.payment_io): lock the accounts
that may pay with every fact the split needs, then write the payments with their
ledger movements (wallet.sql.ledger) and audit rows (core.audit's insert)."""

from psycopg import sql as pg

from accounts.sql import people
from core.audit import audit_insert
from core.sql import col, statement
from wallet.models import LedgerAccount, Payment, PoolingBinding, Wallet, WalletPolicy
from wallet.sql.ledger import posting

_EMPLOYEE = col("pb", PoolingBinding, "employee")
_RELATIVE = col("pb", PoolingBinding, "relative")

LOCK = statement(
    "wallet",
    "payment_lock",
    """
    WITH acc AS MATERIALIZED (
        SELECT {a.id}, {a.kind}, {a.person}, {a.shard}, {a.balance}
        FROM {a} a
        -- Each kind of account read by its own index: an OR of the three read
        -- every account of the region (117 ms of a 150 ms settlement at 200,000
        -- persons, bench/scale.py).
        WHERE {a.id} IN (
            SELECT {a1.id} FROM {a1} a1
             WHERE {a1.person} = ANY(%(persons)s::bigint[])
               AND {a1.kind} IN (%(wallet)s, %(personal)s)
            UNION ALL
            SELECT {a2.id} FROM {a2} a2
             WHERE {a2.person} IS NULL AND ({a2.kind}, {a2.shard}) IN (
                 SELECT x->>0, (x->>1)::int FROM jsonb_array_elements(%(sinks)s::jsonb) AS x)
            UNION ALL
            SELECT {a3.id} FROM {lb} lb JOIN {a3} a3 ON {a3.person} = {lb.employee}
             WHERE {lb.relative} = ANY(%(persons)s::bigint[]) AND {lb.status} = %(active)s
               AND {a3.kind} = %(personal)s)
        ORDER BY {a.id}
        FOR NO KEY UPDATE
    )
    SELECT
        (SELECT array_agg(id ORDER BY id) FROM acc),
        (SELECT array_agg(kind ORDER BY id) FROM acc),
        (SELECT array_agg(person_id ORDER BY id) FROM acc),
        (SELECT array_agg(shard ORDER BY id) FROM acc),
        (SELECT array_agg(balance ORDER BY id) FROM acc),
        (SELECT array_agg({w.person}) FROM {w} w
          WHERE {w.person} = ANY(%(persons)s::bigint[]) AND {w.status} = %(open)s),
        (SELECT array_agg({p.reference})
           FROM unnest(%(references)s::text[]) AS r (reference)
           JOIN {p} p ON {p.reference} = r.reference),
        bd.relatives, bd.employees, bd.names, bd.types, bd.statuses, bd.regions, bd.provinces,
        bd.overrides, bd.rel_a, bd.rel_kinds,
        {pol.pooling_all_close_relatives}, {pol.cross_province_pooling}
    FROM (SELECT 1) AS one
    LEFT JOIN {pol} pol ON {pol.id} = 1
    LEFT JOIN LATERAL (
        SELECT array_agg({pb.relative} ORDER BY {pb.id}) AS relatives,
               array_agg({pb.employee} ORDER BY {pb.id}) AS employees,
               array_agg(e.name ORDER BY {pb.id}) AS names,
               array_agg(e.insurance_type ORDER BY {pb.id}) AS types,
               array_agg(e.status ORDER BY {pb.id}) AS statuses,
               array_agg(e.region_id ORDER BY {pb.id}) AS regions,
               array_agg(e.province_id ORDER BY {pb.id}) AS provinces,
               array_agg(e.province_cross_province_pooling ORDER BY {pb.id}) AS overrides,
               array_agg(rel.person_a_id ORDER BY {pb.id}) AS rel_a,
               array_agg(rel.kind ORDER BY {pb.id}) AS rel_kinds
        FROM {pb} pb
        CROSS JOIN {employee} e
        LEFT JOIN {relation} rel ON true
        WHERE {pb.relative} = ANY(%(persons)s::bigint[]) AND {pb.status} = %(active)s
    ) bd ON true
    """,
    serves="settlement",
    a=LedgerAccount,
    a1=LedgerAccount,
    a2=LedgerAccount,
    a3=LedgerAccount,
    lb=PoolingBinding,
    w=Wallet,
    p=Payment,
    pol=WalletPolicy,
    pb=PoolingBinding,
    employee=people.person_with_province(
        _EMPLOYEE, ["name", "insurance_type", "status", "region_id"], ["cross_province_pooling"]
    ),
    relation=people.relationship_of(_EMPLOYEE, _RELATIVE),
)

# The rows travel as JSON documents (arrays of values in the order read below):
# one parameter each instead of an array per column, which psycopg would escape
# element by element in Python.
WRITE = statement(
    "wallet",
    "payment_write",
    """
    WITH p AS (
        INSERT INTO {pay} ({pay:person}, {pay:amount}, {pay:purpose}, {pay:reference},
            {pay:facility}, {pay:wallet_amount}, {pay:own_account_amount}, {pay:pooling_amount},
            {pay:pooling_from}, {pay:cash_amount}, {pay:created_at}, {pay:created_by})
        SELECT (x->>0)::bigint, (x->>1)::numeric, x->>2, x->>3, (x->>4)::bigint,
               (x->>5)::numeric, (x->>6)::numeric, (x->>7)::numeric, (x->>8)::bigint,
               (x->>9)::numeric, %(now)s, %(actor)s
        FROM jsonb_array_elements(%(payments)s::jsonb) WITH ORDINALITY AS e (x, n)
        ORDER BY e.n
        ON CONFLICT ({pay:reference}) DO NOTHING
        RETURNING {pay:id}, {pay:reference}
    ), legs AS (
        SELECT (x->>1)::uuid AS movement, (x->>2)::bigint AS account_id,
               (x->>3)::numeric AS amount, %(kind)s::text AS kind, 'payment:' || p.id AS ref,
               %(now)s::timestamptz AS at
        FROM jsonb_array_elements(%(legs)s::jsonb) WITH ORDINALITY AS e (x, n)
        JOIN p ON p.reference = e.x->>0
        ORDER BY e.n
    ), {posting}, audit AS (
        {audit}
    )
    SELECT id, reference FROM p
    """,
    serves="settlement",
    pay=Payment,
    posting=posting(accounts="accounts"),
    audit=audit_insert(
        pg.SQL(
            """SELECT %(now)s, %(actor)s, (x->>1)::bigint, %(action)s, %(target)s || p.id,
                      x->2, %(actor_label)s, x->>3
               FROM jsonb_array_elements(%(audit)s::jsonb) WITH ORDINALITY AS e (x, n)
               JOIN p ON p.reference = e.x->>0
               ORDER BY e.n"""
        )
    ),
)

# R2: a payment refunded the way it was paid: one pair per paying account (the
# sink gives back, the account gets back its part; every movement is a pair,
# W10), the legs (movement, account, amount) computed by the service from the
# payment's split and posted by the one primitive.
REFUND_WRITE = statement(
    "wallet",
    "payment_refund",
    """
    WITH legs AS (
        SELECT (x->>0)::uuid AS movement, (x->>1)::bigint AS account_id,
               (x->>2)::numeric AS amount, %(kind)s::text AS kind, %(ref)s::text AS ref,
               %(now)s::timestamptz AS at
        FROM jsonb_array_elements(%(legs)s::jsonb) AS x
    ), {posting}
    SELECT count(*) FROM posted
    """,
    posting=posting(accounts="accounts"),
)
