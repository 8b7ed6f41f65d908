"""Entering and settling bills (C2, C3, C6, F2, F4)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson
from claims.models import Bill, BillLine, Disease, PersonYearTotals, Visit
from claims.models.bills import SETTLED_FIGURES
from claims.settlement import facts as settlement_facts
from claims.settlement.calc import SettlementResult, calculate
from core.audit import audit_record
from core.db import prepared_cursor
from core.db import set_based as _set_based
from wallet.models import Payment
from wallet.services.payments import payout_for_person


@transaction.atomic
def bill_create(
    *,
    person: InsuredPerson,
    facility: Facility,
    service_date: datetime.date,
    visit: str,
    lines: list[tuple[str, Decimal, Decimal]] | list[dict],
    entered_by,
    disease: Disease | None = None,
    diagnosis: str = "",
    emergency: bool = False,
    reference: str | None = None,
) -> Bill:
    """Record a bill as entered (not yet settled). `lines` are (code, quantity,
    unit_price) or dicts with those keys and an optional "name"."""
    if not lines:
        raise ValidationError(_("A bill needs at least one line."), code="no_lines")
    if visit == Visit.INPATIENT and facility.kind != Facility.Kind.HOSPITAL:
        raise ValidationError(
            _("Inpatient care is only given in hospitals, not pharmacies."), code="inpatient_kind"
        )
    bill = Bill(
        person=person,
        facility=facility,
        service_date=service_date,
        visit=visit,
        disease=disease,
        diagnosis=diagnosis,
        emergency=emergency,
        entered_by=entered_by if entered_by is not None and entered_by.is_authenticated else None,
    )
    if reference:
        bill.reference = reference
    bill.save()
    rows = []
    for position, line in enumerate(lines, start=1):
        if isinstance(line, dict):
            code, quantity, price, name = (
                line["code"],
                line["quantity"],
                line["unit_price"],
                line.get("name", ""),
            )
        else:
            code, quantity, price = line
            name = ""
        if Decimal(quantity) < 0 or Decimal(price) < 0:
            raise ValidationError(_("Quantities and prices cannot be negative."), code="negative")
        rows.append(
            BillLine(
                bill=bill,
                position=position,
                code=code,
                name=name,
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
            )
        )
    BillLine.objects.bulk_create(rows)
    audit_record(
        actor=entered_by,
        action="claims.bill_create",
        person=person,
        target=bill,
        details={"reference": bill.reference, "lines": len(rows)},
    )
    return bill


def _locked_totals(*, person_id: int, year: int, care_type: str) -> PersonYearTotals:
    """The person's running totals row for the year and care type, locked (C3).

    Two queries whatever the history: create it if missing (a no-op when it
    exists), then lock it. Concurrent settlements of the same person queue here,
    so each one sees the deductible and cap used by the one before."""
    PersonYearTotals.objects.bulk_create(
        [PersonYearTotals(person_id=person_id, year=year, care_type=care_type)],
        ignore_conflicts=True,
    )
    return PersonYearTotals.objects.select_for_update().get(
        person_id=person_id, year=year, care_type=care_type
    )


# The settled figures of all of a bill's lines in one statement (PostgreSQL): the
# ORM's bulk_update builds a CASE WHEN per field and line, and compiling that cost
# a third of a settlement's time (bench/settle.py).
_STORE_LINES_SQL = """
UPDATE claims_billline AS l
SET item_id = x.item_id, item_class = x.item_class, price_limit = x.price_limit,
    name = x.name, amount = x.amount, self_pay = x.self_pay,
    class_b_first_pay = x.class_b_first_pay, eligible = x.eligible, reasons = x.reasons::jsonb
FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::numeric[], %s::text[], %s::numeric[],
            %s::numeric[], %s::numeric[], %s::numeric[], %s::text[])
    AS x (id, item_id, item_class, price_limit, name, amount, self_pay, class_b_first_pay,
          eligible, reasons)
WHERE l.id = x.id
"""

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


def _store(bill: Bill, lines: list[BillLine], items: dict, result: SettlementResult) -> None:
    for line, out in zip(lines, result.lines, strict=True):
        item = items.get(line.code)
        line.item = item
        line.item_class = item.item_class if item else ""
        line.price_limit = item.price_limit if item else None
        if not line.name and item is not None:
            line.name = item.name
        line.amount = out.amount
        line.self_pay = out.self_pay
        line.class_b_first_pay = out.class_b_first_pay
        line.eligible = out.eligible
        line.reasons = list(out.reasons)
    if not _set_based():
        BillLine.objects.bulk_update(lines, STORED_LINE_FIELDS)
        return
    columns = [[] for _ in range(10)]
    for line in lines:
        values = (
            line.pk,
            line.item_id,
            line.item_class,
            line.price_limit,
            line.name,
            line.amount,
            line.self_pay,
            line.class_b_first_pay,
            line.eligible,
            json.dumps(line.reasons),
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    with prepared_cursor() as cursor:
        cursor.execute(_STORE_LINES_SQL, columns)


RESULT_FIELDS = SETTLED_FIGURES  # what a settlement stores (claims/models/bills.py)


@transaction.atomic
def bill_settle(
    *,
    bill: Bill | int,
    acting_user,
    settled_on: datetime.date | None = None,
    pay: bool = True,
) -> Bill:
    """Settle a bill once (C2, C3, C6, F1, F2, F4, C5) and pay the personal part.

    Deterministic: the inputs (directory classes and limits, policy row, reduction,
    running totals before the bill) are stored with the result, and
    selectors.bill_recompute() re-derives the result from them. Settling a settled
    bill returns it unchanged. A constant number of queries however many bills the
    person already has.

    `settled_on` is the day the facility settled the bill when it is recorded
    later (an import of directly settled bills); it decides the tax year (T2).
    By default, today."""
    bill_id = bill.pk if isinstance(bill, Bill) else bill
    bill = (
        Bill.objects.select_for_update(of=("self",))
        .select_related("person__region__province", "facility__region__province")
        .get(pk=bill_id)
    )
    if bill.status == Bill.Status.SETTLED:
        return bill
    lines = list(bill.lines.all())
    items = settlement_facts.directory_items(
        day=bill.service_date, codes=[line.code for line in lines]
    )
    facts = settlement_facts.gather(
        person=bill.person,
        facility=bill.facility,
        day=bill.service_date,
        visit=bill.visit,
        disease=bill.disease_id,
        emergency=bill.emergency,
    )
    decision = settlement_facts.decide(facts)
    totals = _locked_totals(
        person_id=bill.person_id, year=bill.service_date.year, care_type=decision.care_type
    )
    data = settlement_facts.settlement_input(
        lines=[(line.code, line.quantity, line.unit_price) for line in lines],
        items=items,
        facts=facts,
        decision=decision,
        deductible_used=totals.deductible_used,
        cap_used=totals.fund_paid,
    )
    result = calculate(data)

    PersonYearTotals.objects.filter(pk=totals.pk).update(
        deductible_used=F("deductible_used") + result.deductible,
        fund_paid=F("fund_paid") + result.fund_paid,
        bills=F("bills") + 1,
    )
    _store(bill, lines, items, result)
    now = timezone.now()
    bill.status = Bill.Status.SETTLED
    bill.settled_at = now
    bill.settled_on = settled_on or timezone.localdate(now)
    bill.care_type = decision.care_type
    bill.policy_rule = decision.rule
    for name in RESULT_FIELDS:
        setattr(bill, name, getattr(result, name))
    bill.reasons = list(result.reasons)
    bill.inputs = data.to_json()
    if pay and result.personal_total > 0:
        # C6, W11, P3: the personal part (自付 + 自费) is paid from the wallet, the
        # own personal account, a pooling relative's account, then cash — in this
        # transaction, so a bill is never settled without its payment.
        bill.payment = payout_for_person(
            person=bill.person,
            amount=result.personal_total,
            purpose=Payment.Purpose.DRUGS
            if bill.facility.kind == Facility.Kind.PHARMACY
            else Payment.Purpose.BILL,
            reference=f"claims.bill:{bill.reference}",
            acting_user=acting_user,
            facility=bill.facility,
        )
    update_fields = [
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
    bill.save(update_fields=update_fields)
    audit_record(
        actor=acting_user,
        action="claims.bill_settle",
        person=bill.person,
        target=bill,
        details={
            "reference": bill.reference,
            "total": str(result.total),
            "fund_paid": str(result.fund_paid),
            "personal_total": str(result.personal_total),
            "reasons": list(result.reasons),
        },
    )
    return bill
