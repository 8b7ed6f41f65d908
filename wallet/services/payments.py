"""Paying out for a person: bills, drugs, premiums (W11, P3, P4). The one service
claims (settled bills) and premium payment use."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.utils import timezone

from accounts.models import Facility, InsuranceType, InsuredPerson
from core.audit import Action, audit_record
from core.money import CENT, yuan
from core.reasons import Refusal
from wallet.models import (
    AccountKind,
    LedgerAccount,
    MovementKind,
    Payment,
    PoolingBinding,
    PremiumRate,
    Wallet,
    WalletPolicy,
)
from wallet.services.ledger import (
    lock_accounts,
    post_pair,
    sink_shard_for,
    system_account_id,
)
from wallet.services.pooling import pooling_check

# W11: what wallet money may pay for (bills and drugs at facilities that take it,
# and the holder's premiums). P3: pooling pays all of Payment.Purpose.
WALLET_PURPOSES = {
    Payment.Purpose.BILL,
    Payment.Purpose.DRUGS,
    Payment.Purpose.PREMIUM,
    Payment.Purpose.LTC_PREMIUM,
}


# Nothing taken from an account, in fen: the split is shown as "0.00", not "0".
NONE = Decimal("0.00")


def _pooling_accounts(*, person: InsuredPerson) -> dict[int, int]:
    """{personal account id: employee id} of the employees whose active binding to
    `person` is valid right now (P1, P2, checked again at use time). One query
    when there are none (most people)."""
    # Most people have no binding: a light query first, the employees after.
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


def payout_for_person(
    *,
    person: InsuredPerson,
    amount: Decimal,
    purpose: str,
    reference: str,
    acting_user,
    facility: Facility | None = None,
    allow_cash: bool = True,
) -> Payment:
    """Pay `amount` for `person` from, in order: their wallet (W11: bills and drugs
    at a facility that takes wallet payment, and premiums), their own personal
    account, one pooling relative's personal account (P1–P3: the bound employee
    with the most money), and the rest in cash. The split is recorded on the
    Payment; each part is one ledger movement into the bills or premiums sink
    (the person's shard of it, see SINK_SHARDS).

    P4: all or nothing. With ``allow_cash=False`` a payment the accounts cannot
    cover in full is refused (Refusal "P4-01") and nothing moves.

    P5: where the care was given does not matter here. A bound relative's bill
    settled away from home under a registration (F3) is paid by pooling exactly
    as a local one: the binding needs no registration and the registration no
    binding (tests/claims/test_payment.py settles one of each).

    Idempotent on `reference`: the same reference returns the same Payment,
    however often (or concurrently) it is called."""
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValueError(f"a payment needs a positive amount in fen, not {amount!r}")
    if purpose not in Payment.Purpose.values:
        raise ValueError(f"unknown payment purpose {purpose!r}")
    existing = Payment.objects.filter(reference=reference).first()
    if existing is not None:
        return _same_payment(existing, person=person, amount=amount)

    # The person's wallet (if open) and personal account, in one query.
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
    # The person's own sink row (SINK_SHARDS): pay-outs for different persons
    # lock different rows, so they do not queue behind each other.
    sink = system_account_id(kind=sink_kind, shard=sink_shard_for(person_id=person.pk))
    actor = acting_user if acting_user and acting_user.is_authenticated else None
    try:
        with transaction.atomic():
            sources = [a for a in (wallet_account, own_account, *pooling) if a is not None]
            locked = lock_accounts([*sources, sink])
            # A concurrent call with the same reference waited for our locks above
            # and now sees the committed payment.
            existing = Payment.objects.filter(reference=reference).first()
            if existing is not None:
                return _same_payment(existing, person=person, amount=amount)
            left = amount
            parts: dict[str, Decimal] = {}
            for name, account_id in (("wallet", wallet_account), ("own", own_account)):
                take = min(left, locked[account_id].balance) if account_id else NONE
                parts[name] = take
                left -= take
            pool_account = None
            if left > 0 and pooling:
                # The richest valid binding pays (ties: the oldest account).
                pool_account = max(pooling, key=lambda a: (locked[a].balance, -a))
            take = min(left, locked[pool_account].balance) if pool_account else NONE
            parts["pooling"] = take
            left -= take
            if left > 0 and not allow_cash:
                raise Refusal("P4-01", amount=yuan(amount), available=yuan(amount - left))
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
                action=Action.PAYMENT_CREATE,
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
        # Only a lost race on the reference is expected here; anything else (a
        # balance constraint) is a bug and must surface.
        existing = Payment.objects.filter(reference=reference).first()
        if existing is None:
            raise
        return _same_payment(existing, person=person, amount=amount)


def _same_payment(payment: Payment, *, person: InsuredPerson, amount: Decimal) -> Payment:
    if payment.person_id != person.pk or payment.amount != amount:
        raise ValueError(f"reference {payment.reference!r} is already used by a different payment")
    return payment


def premium_for(*, person: InsuredPerson, year: int) -> Decimal:
    """The resident premium due for `person` in `year` (a setting per region and
    year; the national default row when the region has none)."""
    rate = PremiumRate.in_force(region_id=person.region_id, year=year)
    if rate is None:
        raise Refusal("P3-02", region=person.region, year=year)
    return rate.amount


def premium_pay(
    *, person: InsuredPerson, year: int, acting_user, allow_cash: bool = False
) -> Payment:
    """Pay a resident's insurance premium for `year` from their wallet (W11) or a
    pooling relative's account (P3), the rest in cash only if the user chose so
    (P4). Paying the same year again returns the first payment."""
    reference = f"premium:{person.pk}:{year}"
    paid = Payment.objects.filter(reference=reference).first()
    if paid is not None:
        return paid
    if person.insurance_type != InsuranceType.RESIDENT:
        raise Refusal("P3-01", name=person.name)
    return payout_for_person(
        person=person,
        amount=premium_for(person=person, year=year),
        purpose=Payment.Purpose.PREMIUM,
        reference=reference,
        acting_user=acting_user,
        allow_cash=allow_cash,
    )
