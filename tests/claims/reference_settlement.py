"""The settlement as it was before it became set-based: one ORM query per fact,
one per write (about 21 queries a bill). Kept here, and only here, as the
reference the equivalence test (test_settlement_equivalence.py) compares the
application's settlement with: same reason codes, same figures to the fen, same
payment split, same running totals, same audit rows.

Do not "improve" this file: its value is that it is the old, obviously correct
path (gather → decide → calculate → store, then the pay-out service as it was).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F
from django.utils import timezone

from accounts.models import Facility, InsuredPerson
from claims.models import Bill, BillLine, PersonYearTotals
from claims.settlement import facts as settlement_facts
from claims.settlement.calc import calculate
from core.audit import audit_record
from core.reasons import Refusal
from wallet.models import (
    AccountKind,
    LedgerAccount,
    MovementKind,
    Payment,
    PoolingBinding,
    Wallet,
    WalletPolicy,
)
from wallet.services.ledger import lock_accounts, post_pair, sink_shard_for, system_account_id
from wallet.services.pooling import pooling_check

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
WALLET_PURPOSES = {
    Payment.Purpose.BILL,
    Payment.Purpose.DRUGS,
    Payment.Purpose.PREMIUM,
    Payment.Purpose.LTC_PREMIUM,
}
NONE = Decimal("0.00")


def _locked_totals(*, person_id: int, year: int, care_type: str) -> PersonYearTotals:
    PersonYearTotals.objects.bulk_create(
        [PersonYearTotals(person_id=person_id, year=year, care_type=care_type)],
        ignore_conflicts=True,
    )
    return PersonYearTotals.objects.select_for_update().get(
        person_id=person_id, year=year, care_type=care_type
    )


def _store(lines, items, result) -> None:
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
    BillLine.objects.bulk_update(lines, STORED_LINE_FIELDS)


@transaction.atomic
def reference_bill_settle(
    *, bill: Bill | int, acting_user, settled_on: datetime.date | None = None, pay: bool = True
) -> Bill:
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
    _store(lines, items, result)
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
        bill.payment = reference_payout_for_person(
            person=bill.person,
            amount=result.personal_total,
            purpose=Payment.Purpose.DRUGS
            if bill.facility.kind == Facility.Kind.PHARMACY
            else Payment.Purpose.BILL,
            reference=f"claims.bill:{bill.reference}",
            acting_user=acting_user,
            facility=bill.facility,
        )
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
        details={
            "reference": bill.reference,
            "total": str(result.total),
            "fund_paid": str(result.fund_paid),
            "personal_total": str(result.personal_total),
            "reasons": list(result.reasons),
        },
    )
    return bill


def _pooling_accounts(*, person: InsuredPerson) -> dict[int, int]:
    employee_ids = list(
        PoolingBinding.objects.filter(relative=person, status=PoolingBinding.Status.ACTIVE)
        .order_by()
        .values_list("employee_id", flat=True)
    )
    if not employee_ids:
        return {}
    policy = WalletPolicy.current()
    valid = []
    employees = InsuredPerson.objects.filter(pk__in=employee_ids).select_related("region__province")
    for employee in employees.order_by("pk"):
        try:
            pooling_check(employee=employee, relative=person, policy=policy)
        except Refusal:
            continue
        valid.append(employee.pk)
    if not valid:
        return {}
    return dict(
        LedgerAccount.objects.filter(person_id__in=valid, kind=AccountKind.PERSONAL).values_list(
            "pk", "person_id"
        )
    )


def _reference_split(amount, wallet_account, own_account, pooling, locked):
    """(parts by source, what is left for cash, the pooling account used)."""
    left = amount
    parts: dict[str, Decimal] = {}
    for name, account_id in (("wallet", wallet_account), ("own", own_account)):
        take = min(left, locked[account_id].balance) if account_id else NONE
        parts[name] = take
        left -= take
    pool_account = None
    if left > 0 and pooling:
        pool_account = max(pooling, key=lambda a: (locked[a].balance, -a))
    take = min(left, locked[pool_account].balance) if pool_account else NONE
    parts["pooling"] = take
    return parts, left - take, pool_account


def reference_payout_for_person(
    *, person, amount, purpose, reference, acting_user, facility=None, allow_cash=True
) -> Payment:
    amount = Decimal(amount)
    existing = Payment.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    own = {
        kind: (pk, wallet_open)
        for pk, kind, wallet_open in LedgerAccount.objects.filter(
            person=person, kind__in=(AccountKind.WALLET, AccountKind.PERSONAL)
        )
        .annotate(
            wallet_open=Exists(Wallet.objects.filter(person=person, status=Wallet.Status.OPEN))
        )
        .values_list("pk", "kind", "wallet_open")
    }
    wallet_usable = purpose in WALLET_PURPOSES and (facility is None or facility.wallet_payment)
    wallet_account = None
    if wallet_usable and AccountKind.WALLET in own and own[AccountKind.WALLET][1]:
        wallet_account = own[AccountKind.WALLET][0]
    own_account = own[AccountKind.PERSONAL][0] if AccountKind.PERSONAL in own else None
    pooling = _pooling_accounts(person=person)
    sink_kind = AccountKind.PREMIUMS if purpose in Payment.PREMIUM_PURPOSES else AccountKind.BILLS
    sink = system_account_id(kind=sink_kind, shard=sink_shard_for(person_id=person.pk))
    actor = acting_user if acting_user and acting_user.is_authenticated else None
    try:
        with transaction.atomic():
            sources = [a for a in (wallet_account, own_account, *pooling) if a is not None]
            locked = lock_accounts([*sources, sink])
            existing = Payment.objects.filter(reference=reference).first()
            if existing is not None:
                return existing
            parts, left, pool_account = _reference_split(
                amount, wallet_account, own_account, pooling, locked
            )
            if left > 0 and not allow_cash:
                raise Refusal("P4-01", amount=amount, available=amount - left)
            payment = Payment.objects.create(
                person=person,
                amount=amount,
                purpose=purpose,
                reference=reference,
                facility=facility,
                wallet_amount=parts["wallet"],
                own_account_amount=parts["own"],
                pooling_amount=parts["pooling"],
                pooling_from_id=pooling[pool_account] if parts["pooling"] else None,
                cash_amount=left,
                created_by=actor,
            )
            at = timezone.now()
            ref = f"payment:{payment.pk}"
            for account_id, part in (
                (wallet_account, parts["wallet"]),
                (own_account, parts["own"]),
                (pool_account, parts["pooling"]),
            ):
                if part > 0:
                    post_pair(
                        kind=MovementKind.PAYMENT,
                        out_of=account_id,
                        into=sink,
                        amount=part,
                        ref=ref,
                        at=at,
                    )
            audit_record(
                actor=acting_user,
                action="payment.create",
                person=person,
                target=payment,
                details={
                    "purpose": purpose,
                    "amount": str(amount),
                    "wallet": str(parts["wallet"]),
                    "own_account": str(parts["own"]),
                    "pooling": str(parts["pooling"]),
                    "cash": str(left),
                },
            )
            return payment
    except IntegrityError:
        existing = Payment.objects.filter(reference=reference).first()
        if existing is None:
            raise
        return existing
