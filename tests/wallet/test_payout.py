"""Paying out for a person (W11, P3, P4): wallet, own account, pooling, cash."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import InsuranceType
from core.reasons import Refusal
from tests.factories import FacilityFactory, InsuredPersonFactory, chongqing
from tests.wallet.factories import fund, make_family
from wallet.models import AccountKind, LedgerAccount, Payment, Transfer
from wallet.selectors import ledger_problems
from wallet.services import (
    payout_for_person,
    pooling_bind,
    premium_pay,
    transfer_accept,
    transfer_create,
)

D = Decimal


def balance(person, kind):
    return (
        LedgerAccount.objects.filter(person=person, kind=kind)
        .values_list("balance", flat=True)
        .first()
    )


@pytest.fixture
def fam(db):
    return make_family(balance="1000.00")


def give_parent_wallet_money(fam, amount="300.00"):
    t = transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount=amount,
        idempotency_key="k-wallet",
        acting_user=fam["user"],
    )
    transfer_accept(transfer_id=t.pk, acting_user=fam["user"])


@pytest.mark.django_db
def test_own_personal_account_pays_first_for_an_employee(fam, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    employee = fam["employee"]
    payment = payout_for_person(
        person=employee,
        amount=D("250.50"),
        purpose=Payment.Purpose.BILL,
        reference="bill:1",
        acting_user=fam["user"],
    )
    assert payment.own_account_amount == D("250.50")
    assert payment.cash_amount == 0
    assert balance(employee, AccountKind.PERSONAL) == D("749.50")
    assert ledger_problems() == []


@pytest.mark.django_db
def test_wallet_then_pooling_then_cash_split_is_recorded(fam, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    give_parent_wallet_money(fam, "300.00")  # employee: 700 left
    pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"])
    facility = FacilityFactory(region=fam["parent"].region, wallet_payment=True)
    payment = payout_for_person(
        person=fam["parent"],
        amount=D("1200.00"),
        purpose=Payment.Purpose.BILL,
        reference="bill:2",
        acting_user=fam["user"],
        facility=facility,
    )
    assert (payment.wallet_amount, payment.own_account_amount) == (D("300.00"), D("0"))
    assert payment.pooling_amount == D("700.00")
    assert payment.pooling_from == fam["employee"]
    assert payment.cash_amount == D("200.00")
    assert balance(fam["parent"], AccountKind.WALLET) == 0
    assert balance(fam["employee"], AccountKind.PERSONAL) == 0
    assert ledger_problems() == []


@pytest.mark.django_db
def test_all_or_nothing_without_cash_p4(fam, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"])
    with pytest.raises(Refusal) as exc:
        payout_for_person(
            person=fam["parent"],
            amount=D("1000.01"),
            purpose=Payment.Purpose.BILL,
            reference="bill:3",
            acting_user=fam["user"],
            allow_cash=False,
        )
    assert exc.value.code == "P4-01"
    assert "1,000.01" in str(exc.value) and "1,000.00" in str(exc.value)
    assert not Payment.objects.exists()
    assert balance(fam["employee"], AccountKind.PERSONAL) == D("1000.00")
    exact = payout_for_person(
        person=fam["parent"],
        amount=D("1000.00"),
        purpose=Payment.Purpose.BILL,
        reference="bill:4",
        acting_user=fam["user"],
        allow_cash=False,
    )
    assert exact.pooling_amount == D("1000.00") and exact.cash_amount == 0


@pytest.mark.django_db
def test_same_reference_is_the_same_payment(fam):
    args = {
        "person": fam["employee"],
        "amount": D("10.00"),
        "purpose": Payment.Purpose.DRUGS,
        "reference": "claim:77",
        "acting_user": fam["user"],
    }
    first = payout_for_person(**args)
    again = payout_for_person(**args)
    assert first.pk == again.pk
    assert Payment.objects.count() == 1
    assert balance(fam["employee"], AccountKind.PERSONAL) == D("990.00")
    with pytest.raises(ValueError):
        payout_for_person(**{**args, "amount": D("11.00")})


@pytest.mark.django_db
def test_wallet_skipped_where_the_facility_does_not_take_it(fam, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    give_parent_wallet_money(fam, "100.00")
    facility = FacilityFactory(region=fam["parent"].region, wallet_payment=False)
    payment = payout_for_person(
        person=fam["parent"],
        amount=D("50.00"),
        purpose=Payment.Purpose.BILL,
        reference="bill:5",
        acting_user=fam["user"],
        facility=facility,
    )
    assert payment.wallet_amount == 0 and payment.cash_amount == D("50.00")


@pytest.mark.django_db
def test_ended_or_invalid_pooling_pays_nothing(fam):
    binding = pooling_bind(
        employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"]
    )
    employee = fam["employee"]
    employee.status = "suspended"
    employee.save(update_fields=["status"])
    binding.refresh_from_db()
    assert binding.status == "ended" and binding.end_reason == "status_change"
    payment = payout_for_person(
        person=fam["parent"],
        amount=D("20.00"),
        purpose=Payment.Purpose.BILL,
        reference="bill:6",
        acting_user=fam["user"],
    )
    assert payment.pooling_amount == 0 and payment.cash_amount == D("20.00")


@pytest.mark.django_db
def test_resident_premium_from_wallet_and_pooling(fam, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    give_parent_wallet_money(fam, "150.00")
    pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"])
    payment = premium_pay(person=fam["parent"], year=2026, acting_user=fam["user"])
    assert payment.amount == D("400.00")
    assert payment.wallet_amount == D("150.00") and payment.pooling_amount == D("250.00")
    assert premium_pay(person=fam["parent"], year=2026, acting_user=fam["user"]).pk == payment.pk
    assert balance(fam["employee"], AccountKind.PERSONAL) == D("600.00")
    with pytest.raises(Refusal) as exc:
        premium_pay(person=fam["employee"], year=2026, acting_user=fam["user"])
    assert exc.value.code == "P3-01"
    assert ledger_problems() == []


@pytest.mark.django_db
def test_premium_without_enough_money_is_refused_unless_cash(db):
    resident = InsuredPersonFactory(region=chongqing(), insurance_type=InsuranceType.RESIDENT)
    with pytest.raises(Refusal) as exc:
        premium_pay(person=resident, year=2026, acting_user=None)
    assert exc.value.code == "P4-01"
    paid = premium_pay(person=resident, year=2026, acting_user=None, allow_cash=True)
    assert paid.cash_amount == D("400.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_payouts_with_one_reference_pay_once():
    fam = make_family(balance="100.00")
    results, errors = [], []
    barrier = threading.Barrier(4)

    def pay():
        try:
            barrier.wait()
            results.append(
                payout_for_person(
                    person=fam["employee"],
                    amount=D("60.00"),
                    purpose=Payment.Purpose.BILL,
                    reference="claim:race",
                    acting_user=None,
                    allow_cash=False,
                ).pk
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert balance(fam["employee"], AccountKind.PERSONAL) == D("40.00")
    assert ledger_problems() == []
    assert not Transfer.objects.exists()
    fund(fam["employee"], "1.00")


@pytest.mark.django_db(transaction=True)
def test_payouts_for_persons_in_different_sink_shards_do_not_wait_for_each_other():
    """The bills sink is sharded by person (SINK_SHARDS): while one pay-out's
    transaction holds its sink row, a pay-out for a person of another shard goes
    through at once (with one sink row it would wait, here: fail on the lock
    timeout), and the ledger still reconciles."""
    from django.core.management import call_command
    from django.db import transaction

    from wallet.services.ledger import sink_shard_for

    region = chongqing()
    a = InsuredPersonFactory(region=region, insurance_type=InsuranceType.EMPLOYEE)
    b = InsuredPersonFactory(region=region, insurance_type=InsuranceType.EMPLOYEE)
    assert sink_shard_for(person_id=a.pk) != sink_shard_for(person_id=b.pk)
    fund(a, "100.00")
    fund(b, "100.00")
    holding, release = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                payout_for_person(
                    person=a, amount=D("10.00"), purpose=Payment.Purpose.BILL,
                    reference="shard-a", acting_user=None,
                )  # fmt: skip
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            paid = payout_for_person(
                person=b, amount=D("15.00"), purpose=Payment.Purpose.BILL,
                reference="shard-b", acting_user=None,
            )  # fmt: skip
    finally:
        release.set()
        thread.join()
    assert paid.own_account_amount == D("15.00")
    sinks = dict(
        LedgerAccount.objects.filter(kind=AccountKind.BILLS, person__isnull=True).values_list(
            "shard", "balance"
        )
    )
    assert sinks[sink_shard_for(person_id=a.pk)] == D("10.00")
    assert sinks[sink_shard_for(person_id=b.pk)] == D("15.00")
    assert sum(sinks.values()) == D("25.00")
    assert ledger_problems() == []
    call_command("ledger_check")  # exits non-zero on any difference
