"""Entering and settling bills (C2, C3, C6, F2, F4)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson
from claims.models import Bill, BillLine, Disease, Visit
from claims.models.bills import SETTLED_FIGURES
from claims.settlement import facts as settlement_facts
from claims.settlement import load as settlement_load
from claims.settlement import store as settlement_store
from claims.settlement.calc import calculate
from core import clock
from core.audit import audit_record
from wallet.models import Payment
from wallet.services.payments import PayoutRequest, payouts_for_persons

# What one bad bill can raise (a figure too large for its column, a constraint):
# bills_settle_many settles its chunk again bill by bill. Anything else (a lost
# connection, a lock timeout) stops the job, which can simply be run again.
BAD_BILL = (DataError, IntegrityError, ValidationError)

RESULT_FIELDS = SETTLED_FIGURES  # what a settlement stores (claims/models/bills.py)

# Bills settled per transaction by bills_settle_many: large enough that the
# round trips cost little per bill, small enough that a chunk holds its locks
# (the patients' running totals and accounts, the sinks) for well under a second.
SETTLE_CHUNK = 500


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


@dataclass
class SettleReport:
    """What bills_settle_many did: how many bills it settled, and the bills it
    could not settle with the reason (they stay entered)."""

    settled: int = 0
    failed: list[tuple[Bill, str]] = field(default_factory=list)


@transaction.atomic
def bill_settle(
    *,
    bill: Bill | int,
    acting_user,
    settled_on: datetime.date | None = None,
) -> Bill:
    """Settle a bill once (C2, C3, C6, F1, F2, F4, C5) and pay the personal part.

    Deterministic: the inputs (directory classes and limits, policy row, reduction,
    running totals before the bill) are stored with the result, and
    selectors.bill_recompute() re-derives the result from them. Settling a settled
    bill returns it unchanged. Five statements on PostgreSQL however many bills
    the person already has (see _settle).

    `settled_on` is the day the facility settled the bill when it is recorded
    later (an import of directly settled bills); it decides the tax year (T2).
    By default, today."""
    bill_id = bill.pk if isinstance(bill, Bill) else bill
    done = _settle([bill_id], acting_user=acting_user, settled_on={bill_id: settled_on})
    if done:
        return done[0]
    # Settled before (or no such bill: DoesNotExist, as for any unknown id).
    return Bill.objects.select_related("person", "facility").get(pk=bill_id)


def bills_settle_many(
    *,
    bills: QuerySet[Bill] | Iterable[int],
    acting_user,
    settled_on: dict[int, datetime.date] | None = None,
    chunk_size: int | None = None,
    progress=None,
) -> SettleReport:
    """Settle many entered bills (a hospital's day, an admin's selection, an
    import) exactly as bill_settle would one after the other in date order
    (service date, then pk: the order the running totals are used in, C3), a
    chunk of bills per transaction. Bills already settled are skipped, so a
    retried job changes nothing. Safe alongside single settlements and other
    jobs: every chunk locks its bills, then the running totals, then the
    accounts, each in one fixed order (see _settle).

    A chunk that fails on a bad bill (BAD_BILL) is settled again bill by bill, so
    the others are settled; the bad one stays entered and is reported.
    `settled_on`: the day each bill was settled at the facility, by bill id,
    where it is not today (an import, T2). `progress()` is called after each
    chunk (a background job's sign of life). `chunk_size`: bills per
    transaction, by default settings.BILLS_SETTLE_CHUNK or SETTLE_CHUNK."""
    report = SettleReport()
    ids = _entered_in_date_order(bills)
    settled_on = settled_on or {}
    chunk_size = chunk_size or getattr(settings, "BILLS_SETTLE_CHUNK", SETTLE_CHUNK)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        try:
            with transaction.atomic():
                report.settled += len(
                    _settle(chunk, acting_user=acting_user, settled_on=settled_on)
                )
        except BAD_BILL as exc:
            # One bad bill must not hold back the others: this chunk again, one
            # bill per transaction (a chunk of one: that bill is the bad one).
            for bill_id in chunk if len(chunk) > 1 else ():
                try:
                    with transaction.atomic():
                        report.settled += len(
                            _settle([bill_id], acting_user=acting_user, settled_on=settled_on)
                        )
                except BAD_BILL as exc:
                    _failed(report, bill_id, exc)
            if len(chunk) == 1:
                _failed(report, chunk[0], exc)
        if progress is not None:
            progress()
    return report


def _failed(report: SettleReport, bill_id: int, exc: Exception) -> None:
    bill = Bill.objects.filter(pk=bill_id).first()
    if bill is not None:
        report.failed.append((bill, _failure(exc)))


def _failure(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(_("a value is too large for the database, or the database refused the bill"))


def _entered_in_date_order(bills) -> list[int]:
    """The ids of the entered bills among `bills`, in date order (ids only: a
    job of 100,000 bills holds 100,000 integers, never the bills)."""
    if isinstance(bills, QuerySet):
        return list(
            bills.filter(status=Bill.Status.ENTERED)
            .order_by("service_date", "pk")
            .values_list("pk", flat=True)
        )
    wanted = list(bills)
    found = []
    for start in range(0, len(wanted), 10_000):
        found.extend(
            Bill.objects.filter(pk__in=wanted[start : start + 10_000], status=Bill.Status.ENTERED)
            .order_by()
            .values_list("service_date", "pk")
        )
    found.sort()
    return [pk for _day, pk in found]


def _settle(
    ids: list[int],
    *,
    acting_user,
    settled_on: dict[int, datetime.date | None],
) -> list[Bill]:
    """Settle these bills in the caller's transaction; returns the ones it
    settled (bills settled before are left as they are). On PostgreSQL five statements whatever the
    number of bills or their patients' history:

    1. lock the bills (pk order) and read every fact (settlement.load);
    2. lock the running totals rows they use (key order; created if missing);
    3. lock the accounts that pay the personal parts (pk order) and read them;
    4. write the payments with their ledger pairs and audit rows;
    5. write the bills, their lines, the running totals and the audit rows.

    Locks are always taken in that order (bills, totals, accounts), each kind in
    one fixed order, so settlements, jobs and transfers never wait in a circle."""
    loaded = settlement_load.load_for_settlement(ids)
    todo = [one for one in loaded if one.facts is not None]
    decisions = [settlement_facts.decide(one.facts) for one in todo]
    keys = [
        settlement_store.TotalsKey(one.bill.person_id, one.bill.service_date.year, d.care_type)
        for one, d in zip(todo, decisions, strict=True)
    ]
    totals = settlement_store.lock_totals(keys) if todo else {}
    # Running totals as the bills use them, in date order (C3: the tenth bill of
    # the year sees what the nine before it used).
    used = {key: [row.deductible_used, row.fund_paid] for key, row in totals.items()}
    now = clock.now()
    today = clock.localtime(now).date()
    settled = []
    for one, decision, key in zip(todo, decisions, keys, strict=True):
        before = used[key]
        data = settlement_facts.settlement_input(
            lines=[(line.code, line.quantity, line.unit_price) for line in one.lines],
            items=one.items,
            facts=one.facts,
            decision=decision,
            deductible_used=before[0],
            cap_used=before[1],
        )
        result = calculate(data)
        before[0] += result.deductible
        before[1] += result.fund_paid
        bill = one.bill
        bill.status = Bill.Status.SETTLED
        bill.settled_at = now
        bill.settled_on = settled_on.get(bill.pk) or today
        bill.care_type = decision.care_type
        bill.policy_rule = decision.rule
        for name in RESULT_FIELDS:
            setattr(bill, name, getattr(result, name))
        bill.reasons = list(result.reasons)
        bill.inputs = data.to_json()
        bill.payment = None
        settled.append(settlement_store.Settled(bill, one.lines, one.items, result, totals[key].id))
    # C6, W11, P3: the personal part (自付 + 自费) is paid from the wallet, the own
    # personal account, a pooling relative's account, then cash — in this
    # transaction, so a bill is never settled without its payment.
    owing = [one for one in settled if one.result.personal_total > 0]
    if owing:
        payments = payouts_for_persons(
            requests=[
                PayoutRequest(
                    person=one.bill.person,
                    amount=one.result.personal_total,
                    purpose=Payment.Purpose.DRUGS
                    if one.bill.facility.kind == Facility.Kind.PHARMACY
                    else Payment.Purpose.BILL,
                    reference=f"claims.bill:{one.bill.reference}",
                    facility=one.bill.facility,
                )
                for one in owing
            ],
            acting_user=acting_user,
        )
        for one, payment in zip(owing, payments, strict=True):
            one.bill.payment = payment
    settlement_store.store(settled, now=now, acting_user=acting_user)
    return [one.bill for one in settled]
