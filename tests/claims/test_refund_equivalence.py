"""R1, R2 as a property: reversing a bill settled with wrong facts (quantities
too high, items that were never given) and settling the right ones gives what
settling the right facts first gives — figures to the fen, reason codes, the
year's running totals, the payment split and every ledger balance. The right
facts are settled by the reference settlement (reference_settlement.py), the
oracle of the equivalence test; the bills are seeded random ones over every
rule that decides a settlement (test_settlement_equivalence.build)."""

import datetime
import random
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Facility, InsuredPerson
from claims.models import Bill, PersonYearTotals
from claims.services.bills import bill_create, bill_settle, bills_settle_many
from claims.services.refunds import bill_refund
from claims.settlement.store import RESULT_FIELDS
from tests.claims.reference_settlement import reference_bill_settle
from tests.claims.test_settlement_equivalence import (
    CODES,
    NOW,
    PRICES,
    QUANTITIES,
    _fill_wallet,
    build,
)
from tests.factories import InsuredPersonFactory, UserFactory, chongqing
from tests.wallet.factories import fund, relate
from wallet.models import LedgerAccount
from wallet.selectors import ledger_problems
from wallet.services.pooling import pooling_bind
from wallet.services.wallets import wallet_open

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def facts(rng: random.Random, persons, facilities) -> dict:
    """A bill's right facts, the wrong ones it was first settled with, and the
    refund (by line position) that turns the wrong into the right."""
    facility = rng.choice(facilities)
    right = [
        (rng.choice(CODES), D(rng.choice(QUANTITIES)), D(rng.choice(PRICES)))
        for _ in range(rng.randint(1, 4))
    ]
    wrong, refund = [], {}
    for position, (code, quantity, price) in enumerate(right, start=1):
        extra = rng.choice([0, 0, 1, 2])
        wrong.append((code, quantity + extra, price))
        if extra:
            refund[str(position)] = str(extra)
    for position in range(len(right) + 1, len(right) + 1 + rng.randint(0, 2)):
        quantity = D(rng.choice(QUANTITIES))
        wrong.append((rng.choice(CODES), quantity, D(rng.choice(PRICES))))
        refund[str(position)] = str(quantity)
    if not refund:  # at least one wrong fact
        wrong.append(("A100", D("1"), D("45.50")))
        refund[str(len(wrong))] = "1"
    inpatient = facility.kind == Facility.Kind.HOSPITAL and rng.random() < 0.2
    return {
        # Often a relative whose bills a pooled account pays (P3).
        "person": rng.choice(persons[1] if rng.random() < 0.4 else persons[0]),
        "facility": facility,
        "service_date": datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randint(0, 360)),
        "visit": "inpatient" if inpatient else "outpatient",
        "emergency": rng.random() < 0.1,
        "right": right,
        "wrong": wrong,
        "refund": refund,
    }


def _bill(case: dict, lines) -> Bill:
    return bill_create(
        person=case["person"],
        facility=case["facility"],
        service_date=case["service_date"],
        visit=case["visit"],
        emergency=case["emergency"],
        lines=lines,
        entered_by=None,
    )


def outcome(bill_id: int) -> dict:
    bill = Bill.objects.select_related("payment").get(pk=bill_id)
    payment = bill.payment
    return {
        "figures": tuple(getattr(bill, name) for name in RESULT_FIELDS),
        "reasons": bill.reasons,
        "care_type": bill.care_type,
        "split": None
        if payment is None
        else (
            payment.amount,
            payment.wallet_amount,
            payment.own_account_amount,
            payment.pooling_amount,
            payment.pooling_from_id,
            payment.cash_amount,
        ),
        "lines": sorted(
            (line.code, line.amount, line.self_pay, line.class_b_first_pay, line.eligible)
            for line in bill.lines.all()
            if line.amount > 0
        ),
        "totals": sorted(
            PersonYearTotals.objects.filter(person_id=bill.person_id).values_list(
                "year", "care_type", "deductible_used", "fund_paid", "bills"
            )
        ),
        "balances": dict(LedgerAccount.objects.values_list("pk", "balance")),
        "ledger": ledger_problems(),
    }


def pooled_family() -> InsuredPerson:
    """A resident child with a little in her wallet, bound to her father's
    personal account (P1-P3): her bills reach every channel of R2."""
    region = chongqing()
    father = InsuredPersonFactory(
        region=region, insurance_type="employee", born=datetime.date(1985, 1, 1)
    )
    child = InsuredPersonFactory(
        region=region, insurance_type="resident", born=datetime.date(2018, 1, 1)
    )
    relate(father, child, "parent")
    fund(father, "300.00")
    pooling_bind(employee=father, relative=child, acting_user=None)
    wallet_open(person=child, usage_region=region, acting_user=None)
    with transaction.atomic():
        _fill_wallet(child, "40.00")
    return child


SPLIT = ("wallet", "own", "pooling", "pooling_from", "cash")


def in_savepoint(run) -> dict:
    with transaction.atomic():
        taken = outcome(run())
        transaction.set_rollback(True)
    return taken


def test_reversing_wrong_facts_and_settling_the_right_ones_equals_the_right_ones_first(
    time_machine, settings
):
    settings.FOUR_EYES_AMOUNT = "1000000000.00"  # R5 is tested on its own (test_refunds)
    time_machine.move_to(NOW, tick=False)
    ids, settled_on = build(4, bills=40)
    admin = UserFactory(username="finance", is_staff=True)
    # A year of history first: the deductible and caps partly used (C3).
    bills_settle_many(bills=ids, acting_user=admin, settled_on=settled_on)
    persons = (
        list(InsuredPerson.objects.filter(bills__pk__in=ids).distinct().order_by("pk")),
        [pooled_family()],
    )
    facilities = list(Facility.objects.order_by("pk"))
    seen = set()

    @hypothesis_settings(max_examples=40, deadline=None, derandomize=True, database=None)
    @given(st.integers(min_value=0, max_value=2**32))
    def check(seed: int) -> None:
        case = facts(random.Random(seed), persons, facilities)

        def wrong_then_refund() -> int:
            bill = _bill(case, case["wrong"])
            bill_settle(bill=bill, acting_user=admin)
            bill_refund(bill=bill, lines=case["refund"], acting_user=admin)
            return bill.pk

        def right_first() -> int:
            bill = _bill(case, case["right"])
            reference_bill_settle(bill=bill, acting_user=admin)
            return bill.pk

        refunded, oracle = in_savepoint(wrong_then_refund), in_savepoint(right_first)
        assert refunded["ledger"] == [] and oracle["ledger"] == []
        assert refunded == oracle, case
        fund_at = RESULT_FIELDS.index("fund_paid")
        if oracle["figures"][fund_at] > 0:
            seen.add("fund")
        split = oracle["split"] or (0, 0, 0, 0, None, 0)
        seen.update(name for name, part in zip(SPLIT, split[1:], strict=True) if part)

    check()
    # The examples reached the fund and every channel of R2.
    assert {"fund", "wallet", "own", "pooling", "cash"} <= seen, seen
