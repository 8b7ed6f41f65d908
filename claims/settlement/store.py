"""The settlement's writes (C3, C6): lock the running totals, then store the
settled bills, their lines, the running totals and the audit rows.

One statement each, however many bills (claims/sql/settlement.py; the ORM's
bulk_update builds a CASE WHEN per field and row, and compiling that cost a
third of a settlement's time).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from claims.models import Bill
from claims.models.bills import SETTLED_AMOUNTS, SETTLED_FIGURES
from claims.settlement.calc import SettlementResult
from claims.settlement.load import ItemRow, LineRow
from claims.sql import settlement as settlement_sql
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
                settlement_sql.LOCK_TOTALS.text,
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


# The status change is Bill.flow's, as for every transition (core.transitions):
# the bills were locked FOR UPDATE when their facts were read (load), the flow
# decides which statuses may become settled, and each bill's audit row is
# written by the same statement. A settlement writes bills, lines and running
# totals together, so the helper's one-row save is replaced by this one
# statement (claims/sql/settlement.py), not its checks.
_SOURCES = [str(status) for status in Bill.flow.sources(Bill.Status.SETTLED)]


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
        "settled": Bill.Status.SETTLED.value,
        "sources": _SOURCES,
    }
    with prepared_cursor() as cursor:
        cursor.execute(settlement_sql.STORE.text, params)
        (count,) = cursor.fetchone()
    if count != len(settled):
        # The bills were locked and entered when read: anything else is a bug.
        raise RuntimeError(f"{len(settled) - count} of the bills were not stored")
