"""Refunds and reversals of settled bills (退费 / 冲正, RULES.md R1–R6).

As hospitals' systems do it: the bill's settlement is reversed whole and what
remains is settled again (R1) with the facts the bill was settled with (its
stored inputs: directory classes and limits, policy row, non-local reduction,
and the deductible and cap the year had used before it), so the deductible,
the caps and the rate come out as if the refunded items had never been billed.
The payment of the personal part is refunded the way it was paid (R2: wallet,
own personal account, pooling relative's account, cash) and what remains is
paid again in the usual order (W11, P3). Locks in the one order: the bill, the
running totals, then the accounts (ARCHITECTURE.md, "Lock order")."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from accounts.models import Facility, MessageKind
from accounts.services.messages import message_send
from claims.actions import Action
from claims.models import Bill, BillLine, PersonYearTotals, Refund
from claims.models.bills import SETTLED_FIGURES
from claims.settlement import store as settlement_store
from claims.settlement.calc import SettlementInput, calculate, money
from core import clock, four_eyes
from core.audit import audit_record
from core.reasons import Refusal
from core.transitions import transition
from wallet.models import Payment
from wallet.services.payments import PayoutRequest, payouts_for_persons
from wallet.services.refunds import Back, payment_refund, refund_accounts_lock

ZERO = Decimal("0.00")
QUANTUM = Decimal("0.000001")
REFERENCE_LENGTH = Refund._meta.get_field(
    "reference"
).max_length  # BillLine.refunded_quantity's places


def refund_reference(*, bill: Bill, amount: Decimal | None, lines: dict | None) -> str:
    """R4: the default refund reference, derived from the bill and what is
    refunded, so the same command run twice refunds once."""
    spec = f"{bill.reference}|{_spec(amount, lines)}"
    return f"{bill.reference}-RF-{hashlib.sha256(spec.encode()).hexdigest()[:8].upper()}"


def _spec(amount, lines) -> str:
    if lines:
        return ",".join(f"{int(k)}:{Decimal(v).normalize()}" for k, v in sorted(_lines(lines)))
    return f"amount:{money(Decimal(amount))}"


def _lines(lines: dict) -> list[tuple[int, Decimal]]:
    return [(int(k), Decimal(str(v))) for k, v in lines.items()]


@transaction.atomic
def bill_refund(
    *,
    bill: Bill | int,
    acting_user,
    amount: Decimal | str | None = None,
    lines: dict | None = None,
    reference: str | None = None,
    approved_by=None,
    note: str = "",
) -> Refund:
    """Refund `amount` of a settled bill's cost (taken from its last line
    backwards) or the quantities `lines` gives by line position (R3), once per
    `reference` (R4). Above the four-eyes amount (S2) the refund waits for
    `approved_by`, a second member of staff (R5): call again with the same
    reference and `approved_by` to carry it out."""
    if (amount is None) == (not lines):
        raise Refusal("R3-04")
    amount = None if amount is None else money(Decimal(str(amount)))
    bill_id = bill.pk if isinstance(bill, Bill) else bill
    bill = (
        Bill.objects.select_for_update(of=("self",))
        .select_related("person__region__province", "facility", "payment")
        .get(pk=bill_id)
    )
    reference = reference or refund_reference(bill=bill, amount=amount, lines=lines)
    if len(reference) > REFERENCE_LENGTH:
        raise Refusal("R4-02", n=REFERENCE_LENGTH)
    existing = Refund.objects.filter(reference=reference).first()
    if existing is not None:
        return _again(existing, bill=bill, spec=_spec(amount, lines), approved_by=approved_by)
    if bill.status != Bill.Status.SETTLED:
        raise Refusal("R3-01", reference=bill.reference)
    refund = Refund(
        reference=reference,
        bill=bill,
        requested_amount=amount,
        lines={str(k): str(v) for k, v in _lines(lines)} if lines else {},
        requested_by=_staff(acting_user),
        note=note,
    )
    data = SettlementInput.from_json(bill.inputs)
    cost = _cost(data, _quantities(data, bill=bill, refund=refund))
    if four_eyes.needs_second(cost):
        if approved_by is None:
            refund.amount = cost
            refund.save()
            audit_record(
                actor=acting_user,
                action=Action.REFUND_ASK,
                person=bill.person,
                target=bill,
                details={"refund": reference, "amount": str(cost)},
            )
            return refund
        four_eyes.check_second(first=acting_user, second=approved_by)
    return _carry_out(refund, bill=bill, acting_user=acting_user, approved_by=approved_by)


def _staff(user):
    return user if user is not None and user.is_authenticated else None


def _again(refund: Refund, *, bill: Bill, spec: str, approved_by) -> Refund:
    """R4: the same reference again: the same refund, or its second approval (R5)."""
    if refund.bill_id != bill.pk or _spec(refund.requested_amount, refund.lines) != spec:
        raise Refusal("R4-01", reference=refund.reference)
    if refund.status == Refund.Status.DONE or approved_by is None:
        return refund
    return refund_approve(refund=refund, acting_user=approved_by, bill=bill)


@transaction.atomic
def refund_approve(*, refund: Refund, acting_user, bill: Bill | None = None) -> Refund:
    """R5: a second member of staff, not the one who asked, carries out a refund
    that waits for them."""
    four_eyes.check_second(first=refund.requested_by, second=acting_user)
    if bill is None:
        bill = (
            Bill.objects.select_for_update(of=("self",))
            .select_related("person__region__province", "facility", "payment")
            .get(pk=refund.bill_id)
        )
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status == Refund.Status.DONE:
        return refund
    return _carry_out(refund, bill=bill, acting_user=acting_user, approved_by=acting_user)


def _quantities(data: SettlementInput, *, bill: Bill, refund: Refund) -> list[Decimal]:
    """R3: the quantity taken back from each line (in the stored inputs' order,
    the bill's line order): by position, or `amount` from the last line back."""
    if refund.lines:
        positions = list(bill.lines.order_by("position", "pk").values_list("position", flat=True))
        taken = [Decimal(0)] * len(data.lines)
        for position, quantity in _lines(refund.lines):
            if position not in positions or quantity <= 0:
                raise Refusal("R3-03", position=position)
            index = positions.index(position)
            if quantity > data.lines[index].quantity:
                raise Refusal("R3-03", position=position)
            taken[index] = quantity
        return taken
    return _by_amount(data, refund.requested_amount)


def _by_amount(data: SettlementInput, amount: Decimal) -> list[Decimal]:
    left = amount
    total = sum((money(line.quantity * line.unit_price) for line in data.lines), ZERO)
    if amount <= 0 or amount > total:
        raise Refusal("R3-02", left=total)
    taken = [Decimal(0)] * len(data.lines)
    for index in range(len(data.lines) - 1, -1, -1):
        line = data.lines[index]
        line_amount = money(line.quantity * line.unit_price)
        if left <= 0 or line_amount <= 0:
            continue
        take = min(left, line_amount)
        taken[index] = (
            line.quantity if take == line_amount else (take / line.unit_price).quantize(QUANTUM)
        )
        left -= take
    return taken


def _cost(data: SettlementInput, taken: list[Decimal]) -> Decimal:
    """The billed cost the refund takes back."""
    before = sum((money(line.quantity * line.unit_price) for line in data.lines), ZERO)
    return before - _remaining(data, taken)


def _remaining(data: SettlementInput, taken: list[Decimal]) -> Decimal:
    return sum(
        (
            money((line.quantity - take) * line.unit_price)
            for line, take in zip(data.lines, taken, strict=True)
        ),
        ZERO,
    )


def _carry_out(refund: Refund, *, bill: Bill, acting_user, approved_by) -> Refund:
    """R1, R2, R6: reverse the settlement whole, settle what remains again, give
    the payment back the way it was paid and pay what remains; the year's
    totals follow; the family hears of it."""
    if bill.status != Bill.Status.SETTLED:
        raise Refusal("R3-01", reference=bill.reference)
    data = SettlementInput.from_json(bill.inputs)
    taken = _quantities(data, bill=bill, refund=refund)
    again = replace(
        data,
        lines=tuple(
            replace(line, quantity=line.quantity - take)
            for line, take in zip(data.lines, taken, strict=True)
        ),
    )
    result = calculate(again)
    before = {name: str(getattr(bill, name)) for name in SETTLED_FIGURES}
    old = {name: getattr(bill, name) for name in ("total", "fund_paid", "personal_total")}
    _totals_follow(bill, result)
    back, new_payment = _money_follows(bill, refund, result, acting_user)
    _store(bill, again, result, taken, new_payment)
    now = clock.now()
    fields = {
        "status": Refund.Status.DONE,
        "amount": old["total"] - result.total,
        "fund_back": old["fund_paid"] - result.fund_paid,
        "personal_back": old["personal_total"] - result.personal_total,
        "channels": {"back": back.as_json(), "paid_again": _split(new_payment)},
        "before": before,
        "after": {name: str(getattr(bill, name)) for name in SETTLED_FIGURES},
        "old_payment": refund.old_payment,
        "new_payment": new_payment,
        "approved_by": _staff(approved_by) if approved_by is not None else None,
        "done_at": now,
    }
    if refund.pk is None:  # a new row, created done: no status changes (R5: none waited)
        for name, value in fields.items():
            setattr(refund, name, value)
        refund.save()
    else:
        fields.pop("status")
        refund = transition(
            refund,
            to=Refund.Status.DONE,
            actor=approved_by,
            action=Action.REFUND_APPROVE,
            person=bill.person,
            changes=fields,
            locked=True,
        )
    _tell(bill, refund, acting_user)
    return refund


def _totals_follow(bill: Bill, result) -> None:
    """R1: the year's running totals (C3) change by the difference only."""
    key = settlement_store.TotalsKey(bill.person_id, bill.service_date.year, bill.care_type)
    row = settlement_store.lock_totals([key])[key]
    PersonYearTotals.objects.filter(pk=row.id).update(
        deductible_used=F("deductible_used") + (result.deductible - bill.deductible),
        fund_paid=F("fund_paid") + (result.fund_paid - bill.fund_paid),
    )


def _money_follows(bill: Bill, refund: Refund, result, acting_user) -> tuple[Back, Payment | None]:
    """R2: the old payment back the way it was paid, what remains paid again."""
    old_payment = bill.payment
    refund.old_payment = old_payment
    back = Back()
    if old_payment is not None:
        refund_accounts_lock(payment=old_payment)
        back = payment_refund(
            payment=old_payment, acting_user=acting_user, reason=f"refund {refund.reference}"
        )
    if result.personal_total <= 0:
        return back, None
    pharmacy = bill.facility.kind == Facility.Kind.PHARMACY
    [payment] = payouts_for_persons(
        requests=[
            PayoutRequest(
                person=bill.person,
                amount=result.personal_total,
                purpose=Payment.Purpose.DRUGS if pharmacy else Payment.Purpose.BILL,
                reference=_payment_reference(bill, refund),
                facility=bill.facility,
            )
        ],
        acting_user=acting_user,
    )
    return back, payment


def _payment_reference(bill: Bill, refund: Refund) -> str:
    """The payment of what remains: the bill's reference (its page finds it)
    and a digest of the refund's, within the payment reference's 100 characters."""
    digest = hashlib.sha256(refund.reference.encode()).hexdigest()[:10].upper()
    return f"claims.bill:{bill.reference}#R{digest}"


def _split(payment: Payment | None) -> dict:
    if payment is None:
        return {}
    return Back(
        wallet=payment.wallet_amount,
        own=payment.own_account_amount,
        pooling=payment.pooling_amount,
        cash=payment.cash_amount,
    ).as_json()


def _store(bill: Bill, again: SettlementInput, result, taken, payment) -> None:
    """The bill and its lines as settled again (the figures of what remains)."""
    for name in SETTLED_FIGURES:
        setattr(bill, name, getattr(result, name))
    bill.reasons = list(result.reasons)
    bill.inputs = again.to_json()
    bill.payment = payment
    bill.save(update_fields=[*SETTLED_FIGURES, "reasons", "inputs", "payment"])
    lines = list(bill.lines.order_by("position", "pk"))
    for line, out, take in zip(lines, result.lines, taken, strict=True):
        line.amount = out.amount
        line.self_pay = out.self_pay
        line.class_b_first_pay = out.class_b_first_pay
        line.eligible = out.eligible
        line.reasons = list(out.reasons)
        line.refunded_quantity += take
    BillLine.objects.bulk_update(
        lines,
        ["amount", "self_pay", "class_b_first_pay", "eligible", "reasons", "refunded_quantity"],
    )


def _tell(bill: Bill, refund: Refund, acting_user) -> None:
    """R6: the audit row, and the family's message (消息中心)."""
    audit_record(
        actor=acting_user,
        action=Action.BILL_REFUND,
        person=bill.person,
        target=bill,
        details={
            "refund": refund.reference,
            "amount": str(refund.amount),
            "fund_back": str(refund.fund_back),
            "personal_back": str(refund.personal_back),
            "approved_by": getattr(refund.approved_by, "username", ""),
        },
    )
    message_send(
        kind=MessageKind.BILL_REFUNDED,
        to_family_of=bill.person,
        facts={
            "person": bill.person.name,
            "facility": bill.facility.name,
            "reference": bill.reference,
            "amount": refund.amount,
            "back": refund.personal_back,
        },
        link=bill.get_absolute_url(),
        important=True,
    )
