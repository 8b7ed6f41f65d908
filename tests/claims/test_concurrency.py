"""Concurrent settlements of one person's bills queue on the locked running-totals
row (C3): the deductible is used exactly once and the cap is never exceeded."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from claims.models import Bill, PersonYearTotals
from claims.services.bills import bill_create, bill_settle
from tests.claims.factories import directory, policy
from tests.factories import FacilityFactory, InsuredPersonFactory, chongqing


@pytest.mark.django_db(transaction=True)
def test_parallel_settlements_share_the_deductible_and_cap_exactly():
    region = chongqing()
    directory(2026)
    # Employee tier 2: deductible 200 a year, 70 %, and a cap of 100 for this test.
    policy(region, insurance_type="employee", rules={("general_outpatient", 2): (200, 70, 100)})
    person = InsuredPersonFactory(region=region, insurance_type="employee")
    hospital = FacilityFactory(region=region, tier=2)
    ids = [
        bill_create(
            person=person,
            facility=hospital,
            service_date=datetime.date(2026, 3, 1 + i),
            visit="outpatient",
            lines=[("A100", D(1), D("100.00"))],
            entered_by=None,
        ).pk
        for i in range(8)
    ]
    barrier = threading.Barrier(4)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for bill_id in chunk:
                bill_settle(bill=bill_id, acting_user=None)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(ids[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    bills = Bill.objects.filter(pk__in=ids)
    # 8 × 100 = 800 eligible; the deductible takes 200 once, whatever the order.
    assert sum(b.deductible for b in bills) == D("200.00")
    # 600 × 70 % = 420 would be due; the cap of 100 allows 100.00 in all.
    assert sum(b.fund_paid for b in bills) == D("100.00")
    assert sum(b.over_cap for b in bills) == D("420.00") - D("100.00")
    totals = PersonYearTotals.objects.get(person=person, year=2026)
    assert (totals.deductible_used, totals.fund_paid, totals.bills) == (D("200.00"), D("100.00"), 8)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_batch_alongside_single_settlements_neither_deadlocks_nor_counts_twice():
    """bills_settle_many (a hospital's day) runs while three administrators settle
    some of the same persons' bills one at a time, in other orders: no deadlock,
    every bill settled exactly once with one payment and one audit row, each
    person's deductible used once and the running totals equal to the bills'
    sums (C3), and the ledger reconciles (W10)."""
    import random

    from django.core.management import call_command

    from claims.services.bills import bills_settle_many
    from core.models import AuditEvent
    from tests.wallet.factories import fund
    from wallet.models import Payment

    region = chongqing()
    directory(2026)
    # Employee tier 2: deductible 200 a year, 70 %, cap 300.
    policy(region, insurance_type="employee", rules={("general_outpatient", 2): (200, 70, 300)})
    hospital = FacilityFactory(region=region, tier=2)
    persons = [InsuredPersonFactory(region=region, insurance_type="employee") for _ in range(8)]
    for person in persons[::2]:
        fund(person, "500.00")
    ids = [
        bill_create(
            person=person,
            facility=hospital,
            service_date=datetime.date(2026, 3, 1 + day),
            visit="outpatient",
            lines=[("A100", D(1), D("100.00"))],
            entered_by=None,
        ).pk
        for day in range(10)
        for person in persons
    ]
    barrier = threading.Barrier(4)
    errors, reports = [], []

    def batch():
        try:
            barrier.wait()
            reports.append(
                bills_settle_many(bills=Bill.objects.filter(pk__in=ids), acting_user=None,
                                  chunk_size=6)
            )  # fmt: skip
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def single(seed):
        try:
            barrier.wait()
            for bill_id in random.Random(seed).sample(ids, 30):
                bill_settle(bill=bill_id, acting_user=None)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=batch)]
    threads += [threading.Thread(target=single, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert reports[0].failed == []
    bills = list(Bill.objects.filter(pk__in=ids))
    assert {bill.status for bill in bills} == {"settled"}
    for person in persons:
        mine = [bill for bill in bills if bill.person_id == person.pk]
        # 10 × 100 eligible: the deductible takes 200 once; 800 × 70 % = 560 due,
        # the cap allows 300.
        assert sum(b.deductible for b in mine) == D("200.00")
        assert sum(b.fund_paid for b in mine) == D("300.00")
        totals = PersonYearTotals.objects.get(person=person, year=2026)
        assert (totals.deductible_used, totals.fund_paid, totals.bills) == (
            D("200.00"),
            D("300.00"),
            10,
        )
    assert Payment.objects.count() == len(ids)  # every bill has a personal part
    assert AuditEvent.objects.filter(action="claims.bill_settle").count() == len(ids)
    call_command("ledger_check")  # exits non-zero on any difference
