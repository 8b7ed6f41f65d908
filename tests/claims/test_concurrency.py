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
