"""W10 conservation: after a seeded random walk of every money operation (with the
clock moving across days and quiet hours), the ledger reconciles to the fen and the
families' money changed only by contributions in and payments out."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.reasons import Refusal
from tests.wallet.factories import make_family, relate
from wallet.models import AccountKind, Contribution, LedgerAccount, Payment, Transfer
from wallet.selectors import ledger_problems
from wallet.services import (
    contribution_post,
    payout_for_person,
    pooling_bind,
    transfer_accept,
    transfer_create,
    transfer_decline,
    transfers_sweep,
)

D = Decimal
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def internal_total() -> Decimal:
    return LedgerAccount.objects.filter(
        kind__in=(AccountKind.PERSONAL, AccountKind.WALLET, AccountKind.HOLDING)
    ).aggregate(s=Sum("balance"))["s"] or D(0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.django_db
def test_random_walk_conserves_money(seed, time_machine):
    rng = random.Random(seed)
    now = START
    time_machine.move_to(now, tick=False)
    families = [make_family(balance=None) for _ in range(3)]
    # Cross-family relatives too, so several senders share recipients.
    relate(families[0]["employee"], families[1]["employee"], "sibling")
    employees = [f["employee"] for f in families]
    everyone = employees + [f["parent"] for f in families]
    for fam in families:
        contribution_post(person=fam["employee"], month=now.date())
        pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=None)
    outcomes = {"ok": 0, "refused": 0}
    for step in range(150):
        now += datetime.timedelta(minutes=rng.choice([7, 45, 180, 420]))
        time_machine.move_to(now, tick=False)
        op = rng.choice(["send", "send", "send", "accept", "decline", "sweep", "pay", "contribute"])
        try:
            if op == "send":
                fam = rng.choice(families)
                recipient = rng.choice(
                    [
                        fam["parent"],
                        families[1]["employee"] if fam is families[0] else fam["parent"],
                    ]
                )
                transfer_create(
                    sender=fam["employee"],
                    recipient=recipient,
                    amount=rng.choice(["0.99", "1.00", "37.45", "500.00", "2000.00", "2000.01"]),
                    idempotency_key=f"{seed}-{step}-{rng.randint(0, 3)}",
                    acting_user=None,
                )
            elif op in ("accept", "decline"):
                pending = list(
                    Transfer.objects.filter(state="pending").values_list("pk", flat=True)
                )
                if pending:
                    fn = transfer_accept if op == "accept" else transfer_decline
                    fn(transfer_id=rng.choice(pending), acting_user=None)
            elif op == "sweep":
                transfers_sweep(now=now, chunk_size=rng.choice([1, 2, 100]))
            elif op == "pay":
                payout_for_person(
                    person=rng.choice(everyone),
                    amount=D(rng.choice(["12.30", "88.00", "260.00"])),
                    purpose=rng.choice(list(Payment.Purpose.values)),
                    reference=f"{seed}-pay-{step}",
                    acting_user=None,
                    allow_cash=rng.random() < 0.5,
                )
            else:
                month = (now.date() - datetime.timedelta(days=rng.randint(0, 90))).replace(day=1)
                contribution_post(person=rng.choice(employees), month=month)
            outcomes["ok"] += 1
        except Refusal:
            outcomes["refused"] += 1
    transfers_sweep(now=now + datetime.timedelta(days=2))

    assert outcomes["ok"] > 30 and outcomes["refused"] > 5  # the walk did exercise both
    assert ledger_problems() == []
    contributed = sum(c.total for c in Contribution.objects.all())
    paid_from_accounts = sum(
        p.wallet_amount + p.own_account_amount + p.pooling_amount for p in Payment.objects.all()
    )
    assert internal_total() == contributed - paid_from_accounts
    assert LedgerAccount.objects.get(kind=AccountKind.CONTRIBUTIONS).balance == -contributed
    assert not Transfer.objects.filter(state="pending").exists()
