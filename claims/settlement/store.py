"""The settlement's writes (C3, C6): lock the running totals, then store the
settled bills, their lines, the running totals and the audit rows.

PostgreSQL: one statement each, however many bills (the ORM's bulk_update
builds a CASE WHEN per field and row, and compiling that cost a third of a
settlement's time). SQLite (the embedded `make run`): the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from claims.models import Bill
from claims.models.bills import SETTLED_AMOUNTS, SETTLED_FIGURES
from claims.settlement.calc import SettlementResult
from claims.settlement.load import ItemRow, LineRow
from core.audit import audit_row
from core.db import json_param, prepared_cursor

# The figures of SettlementResult stored on the bill under the same names.
RESULT_FIELDS = SETTLED_FIGURES
STORED_LINE_FIELDS = [
    "item",
    "item_class",
    "price_limit",
    "name",
    "amount",
    "self_pay",
    "class_b_first_pay",
    "eligible",
    "reasons",
]


class TotalsKey(NamedTuple):
    person_id: int
    year: int
    care_type: str


class Totals(NamedTuple):
    """A running totals row as locked: what the bills before used (C3)."""

    id: int
    deductible_used: Decimal
    fund_paid: Decimal


@dataclass
class Settled:
    """A bill with its settlement figures set (not yet stored), its lines and the
    running totals row it used."""

    bill: Bill
    lines: list[LineRow]
    items: dict[str, ItemRow]
    result: SettlementResult
    totals_id: int


# Each statement names the rows it touches twice: joined to the JSON document's
# elements, and as an array of keys (= ANY) the planner can see. PostgreSQL
# guesses 100 elements for any jsonb_array_elements(), so with the join alone it
# hashed a whole table (every bill line) for a bill's 5 lines; with the array it
# probes the primary key (or the totals' unique key), whatever the tables' size
# or the freshness of their statistics. Only on indexed keys: on another column
# a generic plan would test every row against every element.
_LOCK_TOTALS_SQL = """
WITH want AS (
    SELECT (x->>0)::bigint AS person_id, (x->>1)::int AS year, x->>2 AS care_type
    FROM jsonb_array_elements(%(keys)s::jsonb) AS x
), ins AS (
    INSERT INTO claims_personyeartotals
        (person_id, year, care_type, deductible_used, fund_paid, bills)
    SELECT person_id, year, care_type, 0, 0, 0 FROM want
    ORDER BY person_id, year, care_type
    ON CONFLICT (person_id, year, care_type) DO NOTHING
    RETURNING id, person_id, year, care_type, deductible_used, fund_paid
), locked AS (
    SELECT t.id, t.person_id, t.year, t.care_type, t.deductible_used, t.fund_paid
    FROM claims_personyeartotals t
    JOIN want w ON w.person_id = t.person_id AND w.year = t.year AND w.care_type = t.care_type
    WHERE t.person_id = ANY(%(persons)s::bigint[])
    ORDER BY t.person_id, t.year, t.care_type
    FOR UPDATE OF t
)
SELECT * FROM ins
UNION ALL
SELECT * FROM locked
"""


def lock_totals(keys) -> dict[TotalsKey, Totals]:
    """The running totals rows for these (person, year, care type) keys, created
    if missing and locked FOR UPDATE in key order (C3): concurrent settlements of
    one person queue here, so each sees the deductible and cap used by the one
    before. One statement on PostgreSQL, whatever the persons' history."""
    wanted = sorted(set(keys))
    found: dict[TotalsKey, Totals] = {}
    for _attempt in range(5):
        missing = [key for key in wanted if key not in found]
        if not missing:
            return found
        with prepared_cursor() as cursor:
            cursor.execute(
                _LOCK_TOTALS_SQL,
                {
                    "keys": json_param(missing),
                    "persons": sorted({key.person_id for key in missing}),
                },
            )
            for pk, person_id, year, care_type, deductible_used, fund_paid in cursor.fetchall():
                found[TotalsKey(person_id, year, care_type)] = Totals(
                    pk, deductible_used, fund_paid
                )
        # A row another transaction created while this statement waited for it is
        # not in this statement's snapshot: the next attempt (a new snapshot) locks it.
    raise RuntimeError(f"could not lock the running totals {missing!r}")


# The rows travel as one JSON document per table (arrays of values, in the
# order of the column lists below): one parameter to send instead of forty
# arrays, which psycopg escapes element by element in Python.
_STORE_SQL_TEMPLATE = """
WITH tot AS (
    UPDATE claims_personyeartotals AS t
    SET deductible_used = t.deductible_used + (x->>1)::numeric,
        fund_paid = t.fund_paid + (x->>2)::numeric,
        bills = t.bills + (x->>3)::int
    FROM jsonb_array_elements(%(totals)s::jsonb) AS x
    WHERE t.id = (x->>0)::bigint AND t.id = ANY(%(total_ids)s::bigint[])
), lines AS (
    UPDATE claims_billline AS l
    SET item_id = (x->>1)::bigint, item_class = x->>2, price_limit = (x->>3)::numeric,
        name = x->>4, amount = (x->>5)::numeric, self_pay = (x->>6)::numeric,
        class_b_first_pay = (x->>7)::numeric, eligible = (x->>8)::numeric, reasons = x->9
    FROM jsonb_array_elements(%(lines)s::jsonb) AS x
    WHERE l.id = (x->>0)::bigint AND l.id = ANY(%(line_ids)s::bigint[])
), bills AS (
    UPDATE claims_bill AS b
    SET status = '{settled}', settled_at = %(now)s, settled_on = (x->>1)::date,
        care_type = x->>2, policy_rule_id = (x->>3)::bigint, rate = (x->>4)::numeric,
        {amounts},
        reasons = x->{reasons}, inputs = x->{inputs}, payment_id = (x->>{payment})::bigint
    FROM jsonb_array_elements(%(bills)s::jsonb) AS x
    WHERE b.id = (x->>0)::bigint AND b.id = ANY(%(bill_ids)s::bigint[])
      AND b.status IN ({sources})
    RETURNING b.id
), audit AS (
    INSERT INTO accounts_auditevent
        (at, actor_id, person_id, action, target, details, actor_label, person_label)
    SELECT %(now)s, %(actor)s, (x->>1)::bigint, %(action)s, %(target)s || (x->>0),
           x->2, %(actor_label)s, x->>3
    FROM jsonb_array_elements(%(audit)s::jsonb) WITH ORDINALITY AS e (x, n)
    ORDER BY e.n
)
SELECT count(*) FROM bills
"""
# C6: in the bills document the settled amounts follow id, settled_on,
# care_type, policy rule and rate, in the model's order: their SET list is
# written from that one list of settled figures (claims.models.bills), so the
# statement and the model cannot drift apart. One fixed text, prepared once.
_AMOUNTS_AT = 5
_AFTER_AMOUNTS = _AMOUNTS_AT + len(SETTLED_AMOUNTS)
# The status change is Bill.flow's, as for every transition (core.transitions):
# the bills were locked FOR UPDATE when their facts were read (load), the flow
# decides which statuses may become settled (written into the SQL as literals,
# as the morning sweep does), and each bill's audit row is written by the same
# statement. A settlement writes bills, lines and running totals together, so
# the helper's one-row save is replaced by this one statement, not its checks.
_SOURCES = ", ".join(f"'{status}'" for status in Bill.flow.sources(Bill.Status.SETTLED))
_STORE_SQL = _STORE_SQL_TEMPLATE.format(
    settled=Bill.Status.SETTLED.value,
    sources=_SOURCES,
    amounts=", ".join(
        f"{name} = (x->>{at})::numeric"
        for at, name in enumerate(SETTLED_AMOUNTS, start=_AMOUNTS_AT)
    ),
    reasons=_AFTER_AMOUNTS,
    inputs=_AFTER_AMOUNTS + 1,
    payment=_AFTER_AMOUNTS + 2,
)


def audit_details(bill: Bill) -> dict:
    return {
        "reference": bill.reference,
        "total": str(bill.total),
        "fund_paid": str(bill.fund_paid),
        "personal_total": str(bill.personal_total),
        "reasons": list(bill.reasons),
    }


def store(settled: list[Settled], *, now, acting_user) -> None:
    """Write the settled bills (figures, reason codes, inputs, payment), their
    lines, the running totals (C3: deductible and cap used, bills counted) and one
    audit row per bill. The caller holds the locks (bills, totals)."""
    if not settled:
        return
    sums: dict[int, list] = {}
    lines, bills, audit = [], [], []
    for one in settled:
        bill, result = one.bill, one.result
        entry = sums.setdefault(one.totals_id, [one.totals_id, Decimal(0), Decimal(0), 0])
        entry[1] += result.deductible
        entry[2] += result.fund_paid
        entry[3] += 1
        for line, out in zip(one.lines, result.lines, strict=True):
            item = one.items.get(line.code)
            limit = item.price_limit if item else None
            lines.append(
                [
                    line.id,
                    item.id if item else None,
                    item.item_class if item else "",
                    None if limit is None else str(limit),
                    line.name or (item.name if item else ""),
                    str(out.amount),
                    str(out.self_pay),
                    str(out.class_b_first_pay),
                    str(out.eligible),
                    out.reasons,
                ]
            )
        # Decimals and dates as their text here (json's `default` hook would be
        # called for each of them).
        bills.append(
            [
                bill.pk,
                bill.settled_on.isoformat(),
                bill.care_type,
                bill.policy_rule_id,
                str(bill.rate),
                *(str(getattr(result, name)) for name in SETTLED_AMOUNTS),
                bill.reasons,
                bill.inputs,
                bill.payment_id,
            ]
        )
        audit.append(
            [
                bill.pk,
                bill.person_id,
                audit_details(bill),
                f"{bill.person.name} {bill.person.masked_id}",
            ]
        )
    actor = audit_row(actor=acting_user, action="claims.bill_settle")
    params = {
        "totals": json_param(list(sums.values())),
        "total_ids": list(sums),
        "line_ids": [row[0] for row in lines],
        "bill_ids": [row[0] for row in bills],
        "lines": json_param(lines),
        "bills": json_param(bills),
        "audit": json_param(audit),
        "now": now,
        "actor": actor["actor"].pk if actor["actor"] is not None else None,
        "actor_label": actor["actor_label"],
        "action": actor["action"],
        "target": f"{Bill._meta.label}:",
    }
    with prepared_cursor() as cursor:
        cursor.execute(_STORE_SQL, params)
        (count,) = cursor.fetchone()
    if count != len(settled):
        # The bills were locked and entered when read: anything else is a bug.
        raise RuntimeError(f"{len(settled) - count} of the bills were not stored")
