"""kill -9 the Celery worker in the middle of a bulk batch, of the morning sweep
and of a background settlement. A new worker and beat start, as supervisord
starts them again; nobody clicks anything. Each job finishes by itself, every
row, transfer and bill done exactly once, and ledger_check is clean."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count

from bulk import services as bulk_services
from bulk.models import Batch
from claims.jobs import bills_settle_later
from claims.models import Bill
from core.models import AuditEvent, Job
from tests.claims.factories import CHONGQING_RESIDENT, EMPLOYEE_OUTPATIENT, directory, policy
from tests.factories import FacilityFactory, InsuredPersonFactory, chongqing
from tests.processes import kill_group, wait_for
from tests.wallet.factories import fund, make_family
from wallet.models import LedgerEntry, MovementKind, Payment, Transfer, Wallet
from wallet.selectors import ledger_problems
from wallet.services import transfer_create
from wallet.tasks import sweep_unclaimed_transfers

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CST = datetime.timezone(datetime.timedelta(hours=8))


def killed_mid_job(
    processes, started, *, what: str, slow: float, chunk: int = 0, same_name: bool = True
):
    """Run a slow worker until `started()` says the job is half way, kill -9 it,
    then start beat and a worker again: under the same node name, as supervisord
    restarts it (it sends its predecessor's job again as it starts), or another
    worker (beat's relay sends the job again once it has made no progress for
    JOBS_STALLED_AFTER_MINUTES)."""
    first = processes.worker("first", slow=slow, chunk=chunk)

    def half_way() -> bool:
        assert first.poll() is None, "the worker died:\n" + processes.log("first")
        return started()

    wait_for(half_way, 90, f"the first worker to start {what}\n" + processes.log("first"))
    kill_group(first)
    processes.beat()
    processes.worker("first" if same_name else "second", chunk=chunk)


def test_a_bulk_batch_finishes_by_itself_after_its_worker_is_killed(
    processes, checked, operator, regions
):
    people = InsuredPersonFactory.create_batch(60, region=regions["chongqing"])
    batch = checked(people)
    bulk_services.batch_confirm(batch_id=batch.pk, acting_user=operator)  # queued on commit
    job = Job.objects.get(subject=f"bulk.Batch:{batch.pk}")
    assert job.status == Job.Status.SENT

    killed_mid_job(
        processes,
        lambda: Batch.objects.get(pk=batch.pk).n_activated >= 10,
        what="the batch",
        slow=0.3,
        chunk=5,
    )
    half = Batch.objects.get(pk=batch.pk)
    assert half.status == Batch.Status.RUNNING and half.n_activated < 60
    wait_for(
        lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DONE,
        90,
        "the batch to finish by itself\n" + processes.log("first"),
    )

    batch.refresh_from_db()
    assert (batch.n_activated, batch.n_ready, batch.n_failed) == (60, 0, 0)
    assert Wallet.objects.filter(batch_ref=batch.ref).count() == 60
    opened = (
        AuditEvent.objects.filter(action="wallet.open").values("person").annotate(n=Count("pk"))
    )
    assert len(opened) == 60 and {row["n"] for row in opened} == {1}  # each row once
    # The job is marked done just after its last row, in its own transaction.
    wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, 30, "the job's end")
    job.refresh_from_db()
    assert job.runs >= 2  # started again by itself
    assert ledger_problems() == []


def test_the_morning_sweep_finishes_by_itself_after_its_worker_is_killed(processes):
    """W9: every overdue transfer goes back exactly once, though the worker
    running the sweep died half way."""
    senders = []
    # Made on a past day: in the workers' (real) time they are long overdue.
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST), tick=False):
        for n in range(12):
            family = make_family(balance="500.00")
            transfer_create(
                sender=family["employee"],
                recipient=family["parent"],
                amount=f"{10 + n}.00",
                idempotency_key=f"sweep-{n}",
                acting_user=None,
            )
            senders.append(family["employee"])

    sweep_unclaimed_transfers.apply_async()  # as beat sends it at 05:55
    killed_mid_job(
        processes,
        lambda: Transfer.objects.filter(state="returned").count() >= 3,
        what="the sweep",
        slow=0.5,
        chunk=1,
        same_name=False,
    )
    assert Transfer.objects.filter(state="pending").exists()
    wait_for(
        lambda: not Transfer.objects.filter(state="pending").exists(),
        90,
        "the sweep to finish by itself\n" + processes.log("second"),
    )

    returns = (
        LedgerEntry.objects.filter(kind=MovementKind.TRANSFER_RETURN)
        .values("ref")
        .annotate(movements=Count("movement", distinct=True))
    )
    assert len(returns) == 12 and {row["movements"] for row in returns} == {1}
    for sender in senders:  # every yuan back where it came from
        assert sender.ledger_accounts.get(kind="personal").balance == Decimal("500.00")
    job = Job.objects.get(task="wallet.tasks.sweep_unclaimed_transfers")
    # The job is marked done just after its last row, in its own transaction.
    wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, 30, "the job's end")
    job.refresh_from_db()
    assert job.runs >= 2  # started again by itself
    assert ledger_problems() == []


def test_a_background_settlement_finishes_by_itself_after_its_worker_is_killed(processes):
    """A large import's bills, settled by a job whose worker died half way: each
    bill settled and paid exactly once."""
    region = chongqing()
    directory(2026)
    policy(region, rules=CHONGQING_RESIDENT)
    policy(region, insurance_type="employee", rules=EMPLOYEE_OUTPATIENT)
    clinic = FacilityFactory(region=region, tier=1)
    from claims.services.bills import bill_create

    bills = []
    for person in InsuredPersonFactory.create_batch(3, region=region):
        fund(person, "3000.00")
        for day in range(1, 9):
            bills.append(
                bill_create(
                    person=person,
                    facility=clinic,
                    service_date=datetime.date(2026, 4, day),
                    visit="outpatient",
                    lines=[("A100", Decimal(1), Decimal("150.00"))],
                    entered_by=None,
                ).pk
            )
    job = bills_settle_later(bill_ids=bills, acting_user=None)
    assert job.status == Job.Status.SENT

    killed_mid_job(
        processes,
        lambda: Bill.objects.filter(status=Bill.Status.SETTLED).count() >= 5,
        what="the settlement",
        slow=0.4,
        chunk=3,  # bills per transaction: the kill lands between chunks
    )
    assert Bill.objects.filter(status=Bill.Status.ENTERED).exists()
    wait_for(
        lambda: not Bill.objects.filter(status=Bill.Status.ENTERED).exists(),
        90,
        "the settlement to finish by itself\n" + processes.log("first"),
    )

    settled = Bill.objects.filter(pk__in=bills, status=Bill.Status.SETTLED)
    assert settled.count() == 24
    paid = Payment.objects.filter(reference__startswith="claims.bill:").values("reference")
    assert paid.count() == len({row["reference"] for row in paid})  # no bill paid twice
    # The job is marked done just after its last row, in its own transaction.
    wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, 30, "the job's end")
    job.refresh_from_db()
    assert job.runs >= 2  # started again by itself
    assert ledger_problems() == []
