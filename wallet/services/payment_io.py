"""The database side of the pay-outs (payments.payouts_for_persons): lock the
accounts that may pay and read what the rules need, then write the payments with
their ledger pairs and audit rows. payments.py decides; this module only reads
and writes.

Two statements however many pay-outs (wallet/sql/payments.py): the lock with
every fact (W11 wallets, P1/P2 bindings with their relationship and provinces,
the sinks, earlier payments under the same references), then the write:
payments, their movements through the posting primitive, and the audit rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from accounts.models import InsuredPerson, Province, Region
from accounts.selectors import relation_read
from core import clock
from core.audit import audit_row
from core.db import json_param, prepared_cursor
from wallet.actions import Action
from wallet.models import (
    AccountKind,
    MovementKind,
    Payment,
    PoolingBinding,
    Wallet,
    WalletPolicy,
)
from wallet.services.ledger import sink_shard_for, system_account_id
from wallet.sql import payments as payment_sql


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
        "wallet": AccountKind.WALLET.value,
        "personal": AccountKind.PERSONAL.value,
        "active": PoolingBinding.Status.ACTIVE.value,
        "open": Wallet.Status.OPEN.value,
    }
    with prepared_cursor() as cursor:
        cursor.execute(payment_sql.LOCK.text, params)
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
        cursor.execute(payment_sql.WRITE.text, params)
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
