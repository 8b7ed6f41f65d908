"""Paying out for a person: bills, drugs, premiums (W11, P3, P4). The one service
claims (settled bills) and premium payment use."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import Facility, InsuranceType, InsuredPerson
from core.money import CENT, yuan
from core.reasons import Refusal
from wallet.models import Payment, PremiumRate, WalletPolicy
from wallet.services import payment_io
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


@dataclass(frozen=True)
class PayoutRequest:
    """One pay-out for `person` (with region__province loaded: the pooling rules
    read it). `facility`: where a bill or drugs were paid (W11 reads whether it
    takes wallet payment); None for premiums."""

    person: InsuredPerson
    amount: Decimal
    purpose: str
    reference: str
    facility: Facility | None = None

    def check(self) -> None:
        if self.amount <= 0 or self.amount != self.amount.quantize(CENT):
            raise ValueError(f"a payment needs a positive amount in fen, not {self.amount!r}")
        if self.purpose not in Payment.Purpose.values:
            raise ValueError(f"unknown payment purpose {self.purpose!r}")


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
    request = PayoutRequest(
        person=person,
        amount=Decimal(amount),
        purpose=purpose,
        reference=reference,
        facility=facility,
    )
    return payouts_for_persons(requests=[request], acting_user=acting_user, allow_cash=allow_cash)[
        0
    ]


def payouts_for_persons(
    *, requests: list[PayoutRequest], acting_user, allow_cash: bool = True
) -> list[Payment]:
    """payout_for_person for many pay-outs at once, in their order (a later one
    sees the balances the earlier ones left): every account involved is locked
    once (pk order, with their sinks), the splits are decided, and the payments,
    their ledger pairs and audit rows are written — two statements on
    PostgreSQL however many pay-outs (settling a hospital's day of bills).

    Runs in the caller's transaction if there is one. P4: with
    ``allow_cash=False``, if any pay-out cannot be covered in full, Refusal
    "P4-01" is raised for the first such one and nothing is written."""
    for request in requests:
        request.check()
    refusal = None
    with transaction.atomic(savepoint=False):
        sources = payment_io.lock_sources(requests)
        try:
            planned = _plan(requests, sources, allow_cash=allow_cash)
        except Refusal as exc:
            refusal = exc
            # The lock statement read earlier payments in its snapshot, taken
            # before it waited for the locks: a concurrent call with the same
            # reference may have paid meanwhile (and spent the money this plan
            # found missing). Look again; if so, that payment is the answer.
            paid = {
                payment.reference: payment
                for payment in Payment.objects.filter(reference__in=[r.reference for r in requests])
            }
            if paid.keys() - sources.existing.keys():
                sources.existing.update(paid)
                try:
                    planned = _plan(requests, sources, allow_cash=allow_cash)
                    refusal = None
                except Refusal as again:
                    refusal = again
        if refusal is None:
            payments = payment_io.write_payments(planned, acting_user=acting_user)
    if refusal is not None:
        # Raised outside the block: nothing was written, and the caller's
        # transaction stays usable (no savepoint to roll back to).
        raise refusal
    return [_same_payment(request, payments, sources.existing) for request in requests]


def _same_payment(request: PayoutRequest, written: dict, existing: dict) -> Payment:
    """The payment made under this request's reference, now or before
    (idempotency); a reference used for another person or amount is a bug."""
    payment = written.get(request.reference) or existing.get(request.reference)
    if payment is None:  # lost a race on the reference: read what the winner wrote
        payment = Payment.objects.get(reference=request.reference)
    if payment.person_id != request.person.pk or payment.amount != request.amount:
        raise ValueError(f"reference {payment.reference!r} is already used by a different payment")
    return payment


def _plan(
    requests: list[PayoutRequest], sources: payment_io.Sources, *, allow_cash: bool
) -> list[payment_io.Planned]:
    """Decide each split on the locked balances (pure but for the pooling rules'
    relation lookups, which the sources carry): wallet, own account, the richest
    valid pooling binding, cash."""
    balances = dict(sources.balances)
    policy = None
    valid_pooling: dict[int, dict[int, int]] = {}
    planned = []
    seen = set(sources.existing)
    for request in requests:
        if request.reference in seen:
            continue
        seen.add(request.reference)
        person = request.person
        wallet_usable = request.purpose in WALLET_PURPOSES and (
            request.facility is None or request.facility.wallet_payment
        )
        wallet_account = sources.open_wallet.get(person.pk) if wallet_usable else None
        own_account = sources.personal.get(person.pk)
        if person.pk not in valid_pooling:
            bindings = sources.bindings.get(person.pk, [])
            if bindings and policy is None:
                policy = sources.policy or WalletPolicy.current()
            valid_pooling[person.pk] = _valid_pooling(person, bindings, sources, policy)
        pooling = valid_pooling[person.pk]
        left = request.amount
        parts: dict[str, Decimal] = {}
        for name, account_id in (("wallet", wallet_account), ("own", own_account)):
            take = min(left, balances[account_id]) if account_id else NONE
            parts[name] = take
            left -= take
        pool_account = None
        if left > 0 and pooling:
            # The richest valid binding pays (ties: the oldest account).
            pool_account = max(pooling, key=lambda a: (balances[a], -a))
        take = min(left, balances[pool_account]) if pool_account else NONE
        parts["pooling"] = take
        left -= take
        if left > 0 and not allow_cash:
            raise Refusal(
                "P4-01", amount=yuan(request.amount), available=yuan(request.amount - left)
            )
        legs = []
        for account_id, part in (
            (wallet_account, parts["wallet"]),
            (own_account, parts["own"]),
            (pool_account, parts["pooling"]),
        ):
            if part > 0:
                balances[account_id] -= part
                legs.append((account_id, part))
        planned.append(
            payment_io.Planned(
                request=request,
                wallet=parts["wallet"],
                own=parts["own"],
                pooling=parts["pooling"],
                pooling_from_id=pooling[pool_account] if parts["pooling"] else None,
                cash=left,
                legs=legs,
                sink=sources.sinks[payment_io.sink_key(request)],
            )
        )
    return planned


def _valid_pooling(person, bindings, sources: payment_io.Sources, policy) -> dict[int, int]:
    """{personal account id: employee id} of the employees whose active binding to
    `person` is valid right now (P1, P2, checked again at use time)."""
    valid = {}
    for employee, relation in sorted(bindings, key=lambda b: b[0].pk):
        try:
            pooling_check(employee=employee, relative=person, policy=policy, relation=relation)
        except Refusal:
            continue
        account = sources.personal.get(employee.pk)
        if account is not None:
            valid[account] = employee.pk
    return valid


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
