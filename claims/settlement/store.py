"""The settlement's writes (C3, C6): lock the running totals, then store the
settled bills, their lines, the running totals and the audit rows.

PostgreSQL: one statement each, however many bills (the ORM's bulk_update
builds a CASE WHEN per field and row, and compiling that cost a third of a
settlement's time). SQLite (the embedded `make run`): the ORM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import F

from accounts.services import audit_record
from accounts.services.audit import audit_row
from claims.models import Bill, BillLine, PersonYearTotals
from claims.settlement.calc import SettlementResult
from claims.settlement.load import ItemRow, LineRow
from portal.db import prepared_cursor

# The figures of SettlementResult stored on the bill under the same names.
RESULT_FIELDS = (
    "total",
    "out_of_directory",
    "over_limit",
    "self_pay",
    "class_b_first_pay",
    "eligible",
    "deductible",
    "fund_paid",
    "copay",
    "over_cap",
    "not_reimbursed",
    "personal_in_directory",
    "personal_total",
    "rate",
)
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


def set_based() -> bool:
    return connection.vendor == "postgresql"


_LOCK_TOTALS_SQL = """
WITH want AS (
    SELECT * FROM unnest(%(persons)s::bigint[], %(years)s::int[], %(care_types)s::text[])
        AS w (person_id, year, care_type)
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
    if not set_based():
        for key in wanted:
            PersonYearTotals.objects.bulk_create(
                [PersonYearTotals(**key._asdict())], ignore_conflicts=True
            )
            row = PersonYearTotals.objects.select_for_update().get(**key._asdict())
            found[key] = Totals(row.pk, row.deductible_used, row.fund_paid)
        return found
    for _attempt in range(5):
        missing = [key for key in wanted if key not in found]
        if not missing:
            return found
        params = {
            "persons": [key.person_id for key in missing],
            "years": [key.year for key in missing],
            "care_types": [key.care_type for key in missing],
        }
        with prepared_cursor() as cursor:
            cursor.execute(_LOCK_TOTALS_SQL, params)
            for pk, person_id, year, care_type, deductible_used, fund_paid in cursor.fetchall():
                found[TotalsKey(person_id, year, care_type)] = Totals(
                    pk, deductible_used, fund_paid
                )
        # A row another transaction created while this statement waited for it is
        # not in this statement's snapshot: the next attempt (a new snapshot) locks it.
    raise RuntimeError(f"could not lock the running totals {missing!r}")


_STORE_SQL = """
WITH tot AS (
    UPDATE claims_personyeartotals AS t
    SET deductible_used = t.deductible_used + x.deductible,
        fund_paid = t.fund_paid + x.fund,
        bills = t.bills + x.bills
    FROM unnest(%(t_id)s::bigint[], %(t_deductible)s::numeric[], %(t_fund)s::numeric[],
                %(t_bills)s::int[]) AS x (id, deductible, fund, bills)
    WHERE t.id = x.id
), lines AS (
    UPDATE claims_billline AS l
    SET item_id = x.item_id, item_class = x.item_class, price_limit = x.price_limit,
        name = x.name, amount = x.amount, self_pay = x.self_pay,
        class_b_first_pay = x.class_b_first_pay, eligible = x.eligible,
        reasons = x.reasons::jsonb
    FROM unnest(%(l_id)s::bigint[], %(l_item)s::bigint[], %(l_class)s::text[],
                %(l_limit)s::numeric[], %(l_name)s::text[], %(l_amount)s::numeric[],
                %(l_self_pay)s::numeric[], %(l_class_b)s::numeric[], %(l_eligible)s::numeric[],
                %(l_reasons)s::text[])
        AS x (id, item_id, item_class, price_limit, name, amount, self_pay, class_b_first_pay,
              eligible, reasons)
    WHERE l.id = x.id
), bills AS (
    UPDATE claims_bill AS b
    SET status = 'settled', settled_at = %(now)s, settled_on = x.settled_on,
        care_type = x.care_type, policy_rule_id = x.policy_rule_id, rate = x.rate,
        total = x.total, out_of_directory = x.out_of_directory, over_limit = x.over_limit,
        self_pay = x.self_pay, class_b_first_pay = x.class_b_first_pay, eligible = x.eligible,
        deductible = x.deductible, fund_paid = x.fund_paid, copay = x.copay,
        over_cap = x.over_cap, not_reimbursed = x.not_reimbursed,
        personal_in_directory = x.personal_in_directory, personal_total = x.personal_total,
        reasons = x.reasons::jsonb, inputs = x.inputs::jsonb, payment_id = x.payment_id
    FROM unnest(%(b_id)s::bigint[], %(b_settled_on)s::date[], %(b_care_type)s::text[],
                %(b_rule)s::bigint[], %(b_rate)s::numeric[], %(b_total)s::numeric[],
                %(b_out_of_directory)s::numeric[], %(b_over_limit)s::numeric[],
                %(b_self_pay)s::numeric[], %(b_class_b_first_pay)s::numeric[],
                %(b_eligible)s::numeric[], %(b_deductible)s::numeric[],
                %(b_fund_paid)s::numeric[], %(b_copay)s::numeric[], %(b_over_cap)s::numeric[],
                %(b_not_reimbursed)s::numeric[], %(b_personal_in_directory)s::numeric[],
                %(b_personal_total)s::numeric[], %(b_reasons)s::text[], %(b_inputs)s::text[],
                %(b_payment)s::bigint[])
        AS x (id, settled_on, care_type, policy_rule_id, rate, total, out_of_directory,
              over_limit, self_pay, class_b_first_pay, eligible, deductible, fund_paid, copay,
              over_cap, not_reimbursed, personal_in_directory, personal_total, reasons, inputs,
              payment_id)
    WHERE b.id = x.id AND b.status = 'entered'
    RETURNING b.id
), audit AS (
    INSERT INTO accounts_auditevent
        (at, actor_id, person_id, action, target, details, actor_label, person_label)
    SELECT %(now)s, %(actor)s, x.person_id, 'claims.bill_settle', %(target)s || x.id,
           x.details::jsonb, %(actor_label)s, x.person_label
    FROM unnest(%(b_id)s::bigint[], %(a_person)s::bigint[], %(a_details)s::text[],
                %(a_person_label)s::text[]) WITH ORDINALITY
        AS x (id, person_id, details, person_label, n)
    ORDER BY x.n
)
SELECT count(*) FROM bills
"""

# (bill field, column array) in the order of the bills unnest above.
_BILL_COLUMNS = [
    (name, f"b_{name}")
    for name in (
        "total",
        "out_of_directory",
        "over_limit",
        "self_pay",
        "class_b_first_pay",
        "eligible",
        "deductible",
        "fund_paid",
        "copay",
        "over_cap",
        "not_reimbursed",
        "personal_in_directory",
        "personal_total",
    )
]


_COLUMN_NAMES = [
    *("l_id", "l_item", "l_class", "l_limit", "l_name", "l_amount", "l_self_pay"),
    *("l_class_b", "l_eligible", "l_reasons"),
    *("b_id", "b_settled_on", "b_care_type", "b_rule", "b_rate"),
    *(column for _name, column in _BILL_COLUMNS),
    *("b_reasons", "b_inputs", "b_payment", "a_person", "a_details", "a_person_label"),
]


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
    if not set_based():
        _store_orm(settled, now=now, acting_user=acting_user)
        return
    sums: dict[int, list] = {}
    columns: dict[str, list] = {name: [] for name in _COLUMN_NAMES}

    def add(name, value):
        columns[name].append(value)

    for one in settled:
        bill, result = one.bill, one.result
        entry = sums.setdefault(one.totals_id, [Decimal(0), Decimal(0), 0])
        entry[0] += result.deductible
        entry[1] += result.fund_paid
        entry[2] += 1
        for line, out in zip(one.lines, result.lines, strict=True):
            item = one.items.get(line.code)
            add("l_id", line.id)
            add("l_item", item.id if item else None)
            add("l_class", item.item_class if item else "")
            add("l_limit", item.price_limit if item else None)
            add("l_name", line.name or (item.name if item else ""))
            add("l_amount", out.amount)
            add("l_self_pay", out.self_pay)
            add("l_class_b", out.class_b_first_pay)
            add("l_eligible", out.eligible)
            add("l_reasons", json.dumps(list(out.reasons)))
        add("b_id", bill.pk)
        add("b_settled_on", bill.settled_on)
        add("b_care_type", bill.care_type)
        add("b_rule", bill.policy_rule_id)
        add("b_rate", bill.rate)
        for name, column in _BILL_COLUMNS:
            add(column, getattr(bill, name))
        add("b_reasons", json.dumps(bill.reasons))
        add("b_inputs", json.dumps(bill.inputs))
        add("b_payment", bill.payment_id)
        add("a_person", bill.person_id)
        add("a_details", json.dumps(audit_details(bill)))
        add("a_person_label", f"{bill.person.name} {bill.person.masked_id}")
    columns["t_id"] = list(sums)
    columns["t_deductible"] = [entry[0] for entry in sums.values()]
    columns["t_fund"] = [entry[1] for entry in sums.values()]
    columns["t_bills"] = [entry[2] for entry in sums.values()]
    actor = audit_row(actor=acting_user, action="claims.bill_settle")
    params = {
        **columns,
        "now": now,
        "actor": actor["actor"].pk if actor["actor"] is not None else None,
        "actor_label": actor["actor_label"],
        "target": f"{Bill._meta.label}:",
    }
    with prepared_cursor() as cursor:
        cursor.execute(_STORE_SQL, params)
        (count,) = cursor.fetchone()
    if count != len(settled):
        # The bills were locked and entered when read: anything else is a bug.
        raise RuntimeError(f"{len(settled) - count} of the bills were not stored")


def _store_orm(settled: list[Settled], *, now, acting_user) -> None:
    for one in settled:
        bill, result = one.bill, one.result
        PersonYearTotals.objects.filter(pk=one.totals_id).update(
            deductible_used=F("deductible_used") + result.deductible,
            fund_paid=F("fund_paid") + result.fund_paid,
            bills=F("bills") + 1,
        )
        rows = []
        for line, out in zip(one.lines, result.lines, strict=True):
            item = one.items.get(line.code)
            rows.append(
                BillLine(
                    pk=line.id,
                    item_id=item.id if item else None,
                    item_class=item.item_class if item else "",
                    price_limit=item.price_limit if item else None,
                    name=line.name or (item.name if item else ""),
                    amount=out.amount,
                    self_pay=out.self_pay,
                    class_b_first_pay=out.class_b_first_pay,
                    eligible=out.eligible,
                    reasons=list(out.reasons),
                )
            )
        BillLine.objects.bulk_update(rows, STORED_LINE_FIELDS)
        bill.settled_at = now
        bill.save(
            update_fields=[
                "payment",
                "status",
                "settled_at",
                "settled_on",
                "care_type",
                "policy_rule",
                "reasons",
                "inputs",
                *RESULT_FIELDS,
            ]
        )
        audit_record(
            actor=acting_user,
            action="claims.bill_settle",
            person=bill.person,
            target=bill,
            details=audit_details(bill),
        )
