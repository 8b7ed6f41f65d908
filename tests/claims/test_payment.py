"""The personal part of a settled bill is paid through the money app's pay-out
(C6, W11, P3): wallet, own personal account, a pooling relative, then cash."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import transaction

from accounts.models import DependentBinding
from claims.models import Bill
from tests.claims.factories import policy, registration, settle
from tests.factories import FacilityFactory, InsuredPersonFactory, chengdu
from tests.wallet.factories import fund, relate
from wallet.models import AccountKind, LedgerAccount, MovementKind
from wallet.services.ledger import (
    lock_accounts,
    person_account,
    post_pair,
    sink_shard_for,
    system_account_id,
)
from wallet.services.pooling import pooling_bind
from wallet.services.wallets import wallet_open

pytestmark = pytest.mark.django_db


def fill_wallet(person, amount) -> None:
    account = person_account(person=person, kind=AccountKind.WALLET)
    source = system_account_id(kind=AccountKind.CONTRIBUTIONS)
    with transaction.atomic():
        lock_accounts([account.pk, source])
        post_pair(
            kind=MovementKind.CONTRIBUTION,
            out_of=source,
            into=account.pk,
            amount=D(amount),
            ref="test:wallet",
        )


def balance(person, kind) -> D:
    return LedgerAccount.objects.get(person=person, kind=kind).balance


def test_own_account_first_then_cash(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "100.00")
    hospital = FacilityFactory(region=cq, tier=2)
    bill = settle(person, hospital, [("A100", 1, "300.00")])
    # deductible 200 + (100 × 30 %) co-pay = 230.00 personal; fund 70.00
    assert bill.personal_total == D("200.00") + D("30.00")
    payment = bill.payment
    assert (payment.own_account_amount, payment.cash_amount) == (D("100.00"), D("130.00"))
    assert payment.wallet_amount == payment.pooling_amount == D("0.00")
    assert balance(person, AccountKind.PERSONAL) == D("0.00")
    assert payment.reference == f"claims.bill:{bill.reference}"


def test_wallet_first_where_the_facility_takes_it(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    wallet_open(person=person, usage_region=cq, acting_user=None)
    fill_wallet(person, "50.00")
    takes_wallet = FacilityFactory(region=cq, tier=1, wallet_payment=True)
    no_wallet = FacilityFactory(region=cq, tier=1, wallet_payment=False)
    refused = settle(person, no_wallet, [("X100", 1, "20.00")])
    assert (refused.payment.wallet_amount, refused.payment.cash_amount) == (D("0"), D("20.00"))
    bill = settle(person, takes_wallet, [("X100", 1, "80.00")])  # 80.00 self-pay
    assert (bill.payment.wallet_amount, bill.payment.cash_amount) == (D("50.00"), D("30.00"))
    assert balance(person, AccountKind.WALLET) == D("0.00")


def test_pooling_relative_pays_a_residents_share(cq, user):
    employee = InsuredPersonFactory(
        region=cq, insurance_type="employee", born=datetime.date(1985, 1, 1)
    )
    child = InsuredPersonFactory(
        region=cq, insurance_type="resident", born=datetime.date(2018, 1, 1)
    )
    relate(employee, child, "parent")
    fund(employee, "1000.00")
    pooling_bind(employee=employee, relative=child, acting_user=None)
    clinic = FacilityFactory(region=cq, tier=1)
    bill = settle(child, clinic, [("A100", 1, "100.00"), ("X100", 1, "20.00")])
    # Resident tier 1: 60 % of 100 → fund 60.00; personal 40.00 + 20.00 self-pay
    assert bill.personal_total == D("60.00")
    assert bill.payment.pooling_amount == D("60.00")
    assert bill.payment.pooling_from == employee
    assert balance(employee, AccountKind.PERSONAL) == D("1000.00") - D("60.00")
    # The bills sink is sharded by the person paid for (SINK_SHARDS).
    bills_sink = LedgerAccount.objects.get(
        kind=AccountKind.BILLS, person__isnull=True, shard=sink_shard_for(person_id=child.pk)
    )
    assert bills_sink.balance == D("60.00")
    sinks = LedgerAccount.objects.filter(kind=AccountKind.BILLS, person__isnull=True)
    assert sum(s.balance for s in sinks) == D("60.00")


@pytest.mark.parametrize("kind", ["long_term_resident", "referral"])
def test_p5_a_non_local_bill_of_a_pooled_relative_is_paid_by_pooling_like_a_local_one(cq, kind):
    """P5: pooling and non-local registration take effect together. The bound
    relative's bill settled away from home under a valid registration (F3, at
    the non-local rate of F4) is paid from the employee's personal account
    exactly as a local bill is: the binding needs no registration of its own,
    and the registration needed no new binding."""
    elsewhere = chengdu()
    policy(elsewhere, rules={}, class_b_share="8")
    employee = InsuredPersonFactory(
        region=cq, insurance_type="employee", born=datetime.date(1960, 1, 1)
    )
    mother = InsuredPersonFactory(
        region=cq, insurance_type="resident", born=datetime.date(1935, 1, 1)
    )
    relate(mother, employee, "parent")  # the mother is the employee's parent
    fund(employee, "1000.00")
    binding = pooling_bind(employee=employee, relative=mother, acting_user=None)
    registration(mother, destination=elsewhere, kind=kind)  # filed after binding
    local = settle(mother, FacilityFactory(region=cq, tier=2), [("A100", 1, "100.00")])
    away = settle(mother, FacilityFactory(region=elsewhere, tier=2), [("A100", 1, "100.00")])

    assert {"F4-01", "F4-02"} & set(away.reasons)  # settled as non-local care
    for bill in (local, away):
        payment = bill.payment
        assert payment.pooling_from == employee
        assert payment.pooling_amount == bill.personal_total > 0
        assert payment.cash_amount == D("0.00")
    paid = local.personal_total + away.personal_total
    assert balance(employee, AccountKind.PERSONAL) == D("1000.00") - paid
    binding.refresh_from_db()
    assert binding.is_active  # nothing about the binding changed


def test_nothing_to_pay_makes_no_payment(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    bill = settle(person, clinic, [("A100", 1, "0.00")])
    assert bill.personal_total == D("0.00") and bill.payment is None


def test_payment_split_is_shown_on_the_bill_page(cq, user, user_client, english):
    person = InsuredPersonFactory(region=cq, insurance_type="employee", user=user)
    fund(person, "10.00")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("X100", 1, "25.00")])
    html = english(user_client).get(bill.get_absolute_url()).content.decode()
    assert "How the personal part was paid" in html
    assert "10.00" in html and "15.00" in html  # own account, then cash
    assert Bill.objects.get().payment.cash_amount == D("15.00")
    assert not DependentBinding.objects.exists()
