"""The database side of the pay-outs (payments.payouts_for_persons): lock the
accounts that may pay and read what the rules need, then write the payments with
their ledger pairs and audit rows. payments.py decides; this module only reads
and writes.

Two implementations with the same results, as for transfers (transfer_io):
- PostgreSQL: two statements however many pay-outs — the lock with every fact
  (W11 wallets, P1/P2 bindings with their relationship and provinces, the
  sinks, earlier payments under the same references), then the write: payments,
  their entry pairs, the balance updates and the audit rows in one statement.
- Portable ORM (SQLite, the embedded `make run`): the same reads and writes
  through the ORM.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from accounts.models import InsuredPerson, Province, Region
from accounts.selectors import relation_read
from core import clock
from core.audit import Action, audit_row
from core.db import json_param, prepared_cursor
from wallet.models import (
    AccountKind,
    MovementKind,
    Payment,
    WalletPolicy,
)
from wallet.services.ledger import sink_shard_for, system_account_id


@dataclass
class Sources:
    """The accounts that may pay for the requests' persons, locked, and the facts
    the split needs."""

    balances: dict[int, Decimal] = field(default_factory=dict)  # every locked account
    personal: dict[int, int] = field(default_factory=dict)  # person id -> personal account
    open_wallet: dict[int, int] = field(default_factory=dict)  # person id -> open wallet's account
    sinks: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, shard) -> account
    # relative id -> [(employee, what the relative is to the employee or None)]
    bindings: dict[int, list[tuple[InsuredPerson, str | None]]] = field(default_factory=dict)
    existing: dict[str, Payment] = field(default_factory=dict)  # reference -> payment
    policy: WalletPolicy | None = None


@dataclass
class Planned:
    """A decided pay-out: the split and the ledger legs (source account, amount)
    each moving into `sink`."""

    request: object  # payments.PayoutRequest
    wallet: Decimal
    own: Decimal
    pooling: Decimal
    pooling_from_id: int | None
    cash: Decimal
    legs: list[tuple[int, Decimal]]
    sink: int


def sink_key(request) -> tuple[str, int]:
    """The bills or premiums sink row a request pays into (its person's shard)."""
    kind = (
        AccountKind.PREMIUMS if request.purpose in Payment.PREMIUM_PURPOSES else AccountKind.BILLS
    )
    return str(kind), sink_shard_for(person_id=request.person.pk)


def lock_sources(requests) -> Sources:
    """Lock (pk order, FOR NO KEY UPDATE like every money path) the wallets and
    personal accounts of the requests' persons, the personal accounts of the
    employees with an active pooling binding to them, and the sinks they pay
    into; read the rest. Creates missing sink rows (a fresh database)."""
    sources = _lock_sql(requests)
    missing = {sink_key(r) for r in requests} - set(sources.sinks)
    if missing:
        for kind, shard in sorted(missing):
            system_account_id(kind=kind, shard=shard)
        sources = _lock_sql(requests)
    return sources


def write_payments(planned: list[Planned], *, acting_user) -> dict[str, Payment]:
    """Write the planned payments, their ledger pairs (sources → sink) and one
    audit row each; returns them by reference. A reference another transaction
    paid under meanwhile is left out (that payment stands, nothing moves twice).
    The caller holds the locks (lock_sources)."""
    if not planned:
        return {}
    return _write_sql(planned, acting_user=acting_user)


def _details(plan: Planned) -> dict:
    return {
        "purpose": plan.request.purpose,
        "amount": str(plan.request.amount),
        "wallet": str(plan.wallet),
        "own_account": str(plan.own),
        "pooling": str(plan.pooling),
        "cash": str(plan.cash),
    }


# PostgreSQL --------------------------------------------------------------------------

_LOCK_SQL = """
WITH acc AS MATERIALIZED (
    SELECT a.id, a.kind, a.person_id, a.shard, a.balance
    FROM wallet_ledgeraccount a
    WHERE (a.person_id = ANY(%(persons)s::bigint[]) AND a.kind IN ('wallet', 'personal'))
       OR (a.person_id IS NULL AND (a.kind, a.shard) IN (
             SELECT x->>0, (x->>1)::int FROM jsonb_array_elements(%(sinks)s::jsonb) AS x))
       OR (a.kind = 'personal' AND a.person_id IN (
             SELECT pb.employee_id FROM wallet_poolingbinding pb
              WHERE pb.relative_id = ANY(%(persons)s::bigint[]) AND pb.status = 'active'))
    ORDER BY a.id
    FOR NO KEY UPDATE
)
SELECT
    (SELECT array_agg(id ORDER BY id) FROM acc),
    (SELECT array_agg(kind ORDER BY id) FROM acc),
    (SELECT array_agg(person_id ORDER BY id) FROM acc),
    (SELECT array_agg(shard ORDER BY id) FROM acc),
    (SELECT array_agg(balance ORDER BY id) FROM acc),
    (SELECT array_agg(w.person_id) FROM wallet_wallet w
      WHERE w.person_id = ANY(%(persons)s::bigint[]) AND w.status = 'open'),
    (SELECT array_agg(p.reference)
       FROM unnest(%(references)s::text[]) AS r (reference)
       JOIN wallet_payment p ON p.reference = r.reference),
    bd.relatives, bd.employees, bd.names, bd.types, bd.statuses, bd.regions, bd.provinces,
    bd.overrides, bd.rel_a, bd.rel_kinds,
    pol.pooling_all_close_relatives, pol.cross_province_pooling
FROM (SELECT 1) AS one
LEFT JOIN wallet_walletpolicy pol ON pol.id = 1
LEFT JOIN LATERAL (
    SELECT array_agg(pb.relative_id ORDER BY pb.id) AS relatives,
           array_agg(pb.employee_id ORDER BY pb.id) AS employees,
           array_agg(e.name ORDER BY pb.id) AS names,
           array_agg(e.insurance_type ORDER BY pb.id) AS types,
           array_agg(e.status ORDER BY pb.id) AS statuses,
           array_agg(e.region_id ORDER BY pb.id) AS regions,
           array_agg(er.province_id ORDER BY pb.id) AS provinces,
           array_agg(ep.cross_province_pooling ORDER BY pb.id) AS overrides,
           array_agg(r.person_a_id ORDER BY pb.id) AS rel_a,
           array_agg(r.kind ORDER BY pb.id) AS rel_kinds
    FROM wallet_poolingbinding pb
    JOIN accounts_insuredperson e ON e.id = pb.employee_id
    JOIN accounts_region er ON er.id = e.region_id
    JOIN accounts_province ep ON ep.id = er.province_id
    LEFT JOIN accounts_relationship r
           ON (r.person_a_id = pb.employee_id AND r.person_b_id = pb.relative_id)
           OR (r.person_a_id = pb.relative_id AND r.person_b_id = pb.employee_id)
    WHERE pb.relative_id = ANY(%(persons)s::bigint[]) AND pb.status = 'active'
) bd ON true
"""


def _lock_sql(requests) -> Sources:
    persons = sorted({r.person.pk for r in requests})
    sinks = sorted({sink_key(r) for r in requests})
    params = {
        "persons": persons,
        "sinks": json_param(sinks),
        # An array, joined (unnest): for one bill's reference PostgreSQL sees one
        # element and probes the reference index, where a JSON document made it
        # guess 100 and hash the whole payments table; for a chunk of 500 it may
        # hash. Not "= ANY(array)": a generic plan filters every payment against
        # every element of it.
        "references": [r.reference for r in requests],
    }
    with prepared_cursor() as cursor:
        cursor.execute(_LOCK_SQL, params)
        row = cursor.fetchone()
    ids, kinds, owners, shards, balances, open_wallets, paid = row[:7]
    sources = Sources()
    open_wallets = set(open_wallets or ())
    for pk, kind, owner, shard, balance in zip(
        ids or (), kinds or (), owners or (), shards or (), balances or (), strict=True
    ):
        sources.balances[pk] = balance
        if owner is None:
            sources.sinks[(kind, shard)] = pk
        elif kind == AccountKind.PERSONAL:
            sources.personal[owner] = pk
        elif owner in open_wallets:
            sources.open_wallet[owner] = pk
    if paid:
        sources.existing = {p.reference: p for p in Payment.objects.filter(reference__in=paid)}
    relatives, employees, names, types, statuses, regions, provinces, overrides = row[7:15]
    rel_a, rel_kinds, all_relatives, cross_province = row[15:19]
    if relatives:
        db = connection.alias
        sources.policy = (
            WalletPolicy.from_db(
                db,
                # from_db takes the fields in the model's order.
                ["id", "cross_province_pooling", "pooling_all_close_relatives"],
                (1, cross_province, all_relatives),
            )
            if all_relatives is not None
            else None
        )
        for values in zip(
            relatives,
            employees,
            names,
            types,
            statuses,
            regions,
            provinces,
            overrides,
            rel_a,
            rel_kinds,
            strict=True,
        ):
            relative, employee_id, name, kind, status, region, province, override, a, rel = values
            employee = InsuredPerson.from_db(
                db,
                ["id", "name", "insurance_type", "region_id", "status"],
                (employee_id, name, kind, region, status),
            )
            employee.region = Region.from_db(db, ["id", "province_id"], (region, province))
            employee.region.province = Province.from_db(
                db, ["id", "cross_province_pooling"], (province, override)
            )
            relation = (
                None if a is None else relation_read(other_id=relative, person_a_id=a, kind=rel)
            )
            sources.bindings.setdefault(relative, []).append((employee, relation))
    return sources


# The rows travel as JSON documents (arrays of values in the order read below):
# one parameter each instead of an array per column, which psycopg would escape
# element by element in Python.
_WRITE_SQL = """
WITH p AS (
    INSERT INTO wallet_payment
        (person_id, amount, purpose, reference, facility_id, wallet_amount, own_account_amount,
         pooling_amount, pooling_from_id, cash_amount, created_at, created_by_id)
    SELECT (x->>0)::bigint, (x->>1)::numeric, x->>2, x->>3, (x->>4)::bigint,
           (x->>5)::numeric, (x->>6)::numeric, (x->>7)::numeric, (x->>8)::bigint,
           (x->>9)::numeric, %(now)s, %(actor)s
    FROM jsonb_array_elements(%(payments)s::jsonb) WITH ORDINALITY AS e (x, n)
    ORDER BY e.n
    ON CONFLICT (reference) DO NOTHING
    RETURNING id, reference
), legs AS (
    SELECT x->>0 AS reference, (x->>1)::uuid AS movement, (x->>2)::bigint AS account_id,
           (x->>3)::numeric AS amount, e.n
    FROM jsonb_array_elements(%(legs)s::jsonb) WITH ORDINALITY AS e (x, n)
), moved AS (
    UPDATE wallet_ledgeraccount a SET balance = a.balance + s.delta
    FROM (SELECT legs.account_id, SUM(legs.amount) AS delta
          FROM legs JOIN p USING (reference) GROUP BY legs.account_id) AS s
    WHERE a.id = s.account_id AND a.id = ANY(%(accounts)s::bigint[])
), entries AS (
    INSERT INTO wallet_ledgerentry (movement, account_id, amount, kind, ref, at)
    SELECT legs.movement, legs.account_id, legs.amount, %(kind)s, 'payment:' || p.id, %(now)s
    FROM legs JOIN p USING (reference)
    ORDER BY legs.n
), audit AS (
    INSERT INTO accounts_auditevent
        (at, actor_id, person_id, action, target, details, actor_label, person_label)
    SELECT %(now)s, %(actor)s, (x->>1)::bigint, %(action)s, %(target)s || p.id,
           x->2, %(actor_label)s, x->>3
    FROM jsonb_array_elements(%(audit)s::jsonb) WITH ORDINALITY AS e (x, n)
    JOIN p ON p.reference = e.x->>0
    ORDER BY e.n
)
SELECT id, reference FROM p
"""


def _payment_values(plan: Planned) -> list:
    """A payment's columns between id and created_at, in _PAYMENT_FIELDS order:
    the row sent to _WRITE_SQL and the instance built from it are one list."""
    request = plan.request
    return [
        request.person.pk,
        request.amount,
        request.purpose,
        request.reference,
        request.facility.pk if request.facility else None,
        plan.wallet,
        plan.own,
        plan.pooling,
        plan.pooling_from_id,
        plan.cash,
    ]


def _write_sql(planned: list[Planned], *, acting_user) -> dict[str, Payment]:
    now = clock.now()
    first = audit_row(actor=acting_user, action=Action.PAYMENT_CREATE)
    actor = first["actor"]
    payments, legs, audit = [], [], []
    for plan in planned:
        request = plan.request
        person = request.person
        payments.append(_payment_values(plan))
        audit.append(
            [request.reference, person.pk, _details(plan), f"{person.name} {person.masked_id}"]
        )
        # One movement (a pair summing to zero) per part, as post_pair writes it.
        for account_id, part in plan.legs:
            movement = uuid.uuid4()
            legs.append([request.reference, movement, account_id, -part])
            legs.append([request.reference, movement, plan.sink, part])
    params = {
        "payments": json_param(payments),
        "legs": json_param(legs),
        # The accounts again as an array the planner sees: read by index.
        "accounts": sorted({leg[2] for leg in legs}),
        "audit": json_param(audit),
        "now": now,
        "actor": actor.pk if actor is not None else None,
        "actor_label": first["actor_label"],
        "action": first["action"],
        "kind": MovementKind.PAYMENT.value,
        "target": f"{Payment._meta.label}:",
    }
    with prepared_cursor() as cursor:
        cursor.execute(_WRITE_SQL, params)
        written = {reference: pk for pk, reference in cursor.fetchall()}
    found = {}
    db = connection.alias
    actor_id = actor.pk if actor is not None else None
    for plan in planned:
        request = plan.request
        pk = written.get(request.reference)
        if pk is None:
            continue
        # As the row was written (from_db: a tenth of the cost of __init__).
        payment = Payment.from_db(
            db,
            _PAYMENT_FIELDS,
            (pk, *_payment_values(plan), now, actor_id),
        )
        payment.person = request.person
        found[request.reference] = payment
    return found


_PAYMENT_FIELDS = [f.attname for f in Payment._meta.concrete_fields]
assert _PAYMENT_FIELDS == [
    "id",
    "person_id",
    "amount",
    "purpose",
    "reference",
    "facility_id",
    "wallet_amount",
    "own_account_amount",
    "pooling_amount",
    "pooling_from_id",
    "cash_amount",
    "created_at",
    "created_by_id",
], _PAYMENT_FIELDS
