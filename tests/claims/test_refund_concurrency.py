"""Refunds of one family's bills at the same time, with settlements of new
bills (R1, R2, R4): each waits for the bill, then the running totals, then the
accounts (the one lock order), so none deadlocks, each reference refunds once
and the ledger stays whole."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from claims.models import Bill, PersonYearTotals, Refund
from claims.services.bills import bill_create, bill_settle
from claims.services.refunds import bill_refund
from tests.claims.factories import directory, policy, settle
from tests.factories import FacilityFactory, InsuredPersonFactory, chongqing
from tests.wallet.factories import fund
from wallet.models import AccountKind, LedgerAccount
from wallet.selectors import ledger_problems


@pytest.mark.django_db(transaction=True)
def test_parallel_refunds_and_settlements_queue_and_refund_once():
    region = chongqing()
    directory(2026)
    policy(region, insurance_type="employee", rules={("general_outpatient", 2): (0, 50, None)})
    person = InsuredPersonFactory(region=region, insurance_type="employee")
    fund(person, "10000.00")
    hospital = FacilityFactory(region=region, tier=2)
    bills = [settle(person, hospital, [("A100", 1, "100.00")]) for _ in range(3)]
    entered = [
        bill_create(
            person=person,
            facility=hospital,
            service_date=datetime.date(2026, 4, 1),
            visit="outpatient",
            lines=[("A100", D(1), D("100.00"))],
            entered_by=None,
        ).pk
        for _ in range(3)
    ]
    errors = []

    def refund(bill):
        return lambda: bill_refund(bill=bill.pk, amount="40.00", acting_user=None)

    # Every bill refunded twice under one (derived) reference at the same time
    # (R4), while three new bills of the same person are settled.
    jobs = [refund(b) for b in bills] * 2
    jobs += [lambda pk=pk: bill_settle(bill=pk, acting_user=None) for pk in entered]
    barrier = threading.Barrier(len(jobs))

    def work(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Refund.objects.count() == 3
    for bill in Bill.objects.filter(pk__in=[b.pk for b in bills]):
        assert (bill.total, bill.fund_paid, bill.personal_total) == (
            D("60.00"),
            D("30.00"),
            D("30.00"),
        )
    totals = PersonYearTotals.objects.get(person=person, year=2026)
    # Three refunded bills at 30.00 and three new ones at 50.00 from the fund.
    assert (totals.fund_paid, totals.bills) == (D("240.00"), 6)
    own = LedgerAccount.objects.get(person=person, kind=AccountKind.PERSONAL).balance
    assert own == D("10000.00") - 3 * D("30.00") - 3 * D("50.00")
    assert ledger_problems() == []
