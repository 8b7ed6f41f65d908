"""A payment refunded the way it was paid (原路退回, R2): the bills sink gives
back what it received, and each account that paid its part — the wallet, the
own personal account, the pooling relative's personal account — gets that part
back, in one movement through the ledger's posting primitive. The cash part
goes back in cash at the facility: it is recorded on the refund, never in the
ledger (cash never was)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core import clock
from core.audit import audit_record
from core.db import json_param, prepared_cursor
from wallet.actions import Action
from wallet.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    MovementKind,
    Payment,
    PoolingBinding,
)
from wallet.services.ledger import lock_accounts, sink_shard_for, system_account_id
from wallet.sql import payments as payment_sql

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Back:
    """What each channel got back (R2)."""

    wallet: Decimal = ZERO
    own: Decimal = ZERO
    pooling: Decimal = ZERO
    cash: Decimal = ZERO

    def as_json(self) -> dict:
        return {name: str(getattr(self, name)) for name in ("wallet", "own", "pooling", "cash")}


def _account(person_id: int | None, kind: str) -> int | None:
    if person_id is None:
        return None
    return (
        LedgerAccount.objects.filter(person_id=person_id, kind=kind)
        .values_list("pk", flat=True)
        .first()
    )


def refund_accounts_lock(*, payment: Payment) -> None:
    """Lock, in ascending pk order (the one order of every money path), every
    account a refund of `payment` and the payment of what remains may touch:
    the person's wallet and personal account, the sink, the account that pooled
    and every pooling relative's account. The two statements that follow then
    lock nothing new, so no two transactions wait for each other in a circle."""
    person_id = payment.person_id
    ids = {
        _account(person_id, AccountKind.WALLET),
        _account(person_id, AccountKind.PERSONAL),
        _account(payment.pooling_from_id, AccountKind.PERSONAL),
        _sink(payment),
    }
    employees = PoolingBinding.objects.filter(
        relative_id=person_id, status=PoolingBinding.Status.ACTIVE
    ).values_list("employee_id", flat=True)
    ids.update(
        LedgerAccount.objects.filter(
            person_id__in=list(employees), kind=AccountKind.PERSONAL
        ).values_list("pk", flat=True)
    )
    lock_accounts(sorted(pk for pk in ids if pk is not None))


def _sink(payment: Payment) -> int:
    kind = (
        AccountKind.PREMIUMS if payment.purpose in Payment.PREMIUM_PURPOSES else AccountKind.BILLS
    )
    return system_account_id(kind=kind, shard=sink_shard_for(person_id=payment.person_id))


@transaction.atomic
def payment_refund(*, payment: Payment, acting_user, reason: str = "") -> Back:
    """R2: give `payment` back the way it was paid, whole. Once per payment: a
    payment refunded before gives back nothing more (the same split is
    returned). The caller holds the business row's lock (the bill) and has
    called refund_accounts_lock."""
    back = Back(
        wallet=payment.wallet_amount,
        own=payment.own_account_amount,
        pooling=payment.pooling_amount,
        cash=payment.cash_amount,
    )
    sink = _sink(payment)
    ref = f"payment:{payment.pk}"
    if LedgerEntry.objects.filter(account_id=sink, kind=MovementKind.REFUND, ref=ref).exists():
        return back
    legs = [
        (account, part)
        for account, part in (
            (_account(payment.person_id, AccountKind.WALLET), back.wallet),
            (_account(payment.person_id, AccountKind.PERSONAL), back.own),
            (_account(payment.pooling_from_id, AccountKind.PERSONAL), back.pooling),
        )
        if part > 0 and account is not None
    ]
    if legs:
        rows = []
        for account, part in legs:
            movement = str(uuid.uuid4())
            rows += [[movement, sink, str(-part)], [movement, account, str(part)]]
        with prepared_cursor() as cursor:
            cursor.execute(
                payment_sql.REFUND_WRITE.text,
                {
                    "legs": json_param(rows),
                    "accounts": sorted({row[1] for row in rows}),
                    "kind": MovementKind.REFUND.value,
                    "ref": ref,
                    "now": clock.now(),
                },
            )
    audit_record(
        actor=acting_user,
        action=Action.PAYMENT_REFUND,
        person=payment.person,
        target=payment,
        details={"reference": payment.reference, "reason": reason, **back.as_json()},
    )
    return back
