"""The activation job (W2): chunks, set-based, audited, safe to re-run and to
resume after a crash; one bad row never stops the others."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import Count

from accounts.models import PersonStatus
from bulk import services
from bulk.models import Batch, BatchRow
from bulk.reasons import Outcome, Reason
from bulk.services import running
from core.models import AuditEvent
from tests.bulk.files import csv_bytes, person_row
from tests.factories import InsuredPersonFactory
from wallet.models import AccountKind, LedgerAccount, Wallet
from wallet.services import wallet_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(regions):
    return InsuredPersonFactory.create_batch(7, region=regions["chongqing"])


def outcomes(batch):
    return dict(BatchRow.objects.filter(batch=batch).values_list("person_id", "outcome"))


def test_run_opens_every_ready_row_by_proxy_for_the_administrator(
    checked, run_batch, people, operator, regions, settings
):
    settings.BULK_ACTIVATION_CHUNK = 3
    batch = checked(people)
    assert batch.n_ready == 7 and not Wallet.objects.exists()  # the dry run writes no wallet
    batch = run_batch(batch)
    assert batch.status == Batch.Status.DONE
    assert (batch.n_activated, batch.n_ready, batch.rows_done, batch.percent) == (7, 0, 7, 100)
    wallets = Wallet.objects.filter(person__in=people)
    assert wallets.count() == 7
    assert set(wallets.values_list("by_proxy", "opened_by", "batch_ref", "usage_region")) == {
        (True, operator.pk, batch.ref, regions["chongqing"].pk)
    }
    assert LedgerAccount.objects.filter(person__in=people, kind=AccountKind.WALLET).count() == 7
    opened = AuditEvent.objects.filter(action="wallet.open", details__batch=batch.ref)
    assert sorted(opened.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert set(opened.values_list("actor", flat=True)) == {operator.pk}
    assert AuditEvent.objects.filter(action="wallet.bulk_done", target=f"bulk.Batch:{batch.pk}")


def test_uploading_the_same_file_again_opens_nothing_twice(upload, run_batch, people, operator):
    data = csv_bytes([person_row(p) for p in people])
    run_batch(upload(data))
    again = upload(data)
    assert (again.n_ready, again.n_already_open) == (0, 7)
    assert {"code": "same_file", "params": {"batch": again.pk - 1}} in again.notes
    with pytest.raises(ValidationError):
        services.batch_confirm(batch_id=again.pk, acting_user=operator, queue_run=False)
    assert Wallet.objects.count() == 7
    assert AuditEvent.objects.filter(action="wallet.open").count() == 7


def test_two_batches_of_the_same_people_confirmed_together_open_each_wallet_once(
    checked, run_batch, people
):
    first, second = checked(people), checked(people[2:])
    assert second.n_ready == 5  # nothing was open when it was checked
    run_batch(first)
    second = run_batch(second)
    assert (second.n_activated, second.n_already_open) == (0, 5)
    assert set(outcomes(second).values()) == {Outcome.ALREADY_OPEN}
    assert Wallet.objects.count() == 7
    per_person = (
        AuditEvent.objects.filter(action="wallet.open").values("person").annotate(n=Count("pk"))
    )
    assert {row["n"] for row in per_person} == {1}


class Crash(BaseException):
    """The worker dies (a BaseException, like the SystemExit of a killed worker)."""


def test_a_batch_interrupted_mid_chunk_resumes_and_does_every_row_exactly_once(
    checked, people, operator, monkeypatch, settings
):
    settings.BULK_ACTIVATION_CHUNK = 3
    batch = checked(people)
    services.batch_confirm(batch_id=batch.pk, acting_user=operator, queue_run=False)
    real = running.wallet_open_bulk
    calls = []

    def dies_in_the_second_chunk(**kwargs):
        opened = real(**kwargs)  # the wallets are written, not yet committed...
        calls.append(opened)
        if len(calls) == 2:
            raise Crash  # ...when the worker is killed
        return opened

    monkeypatch.setattr(running, "wallet_open_bulk", dies_in_the_second_chunk)
    with pytest.raises(Crash):
        services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.RUNNING
    assert (batch.n_activated, batch.n_ready) == (3, 4)  # the first chunk's checkpoint
    assert Wallet.objects.count() == 3  # the second chunk rolled back entirely
    assert AuditEvent.objects.filter(action="wallet.open").count() == 3

    monkeypatch.setattr(running, "wallet_open_bulk", real)
    batch = services.batch_run(batch_id=batch.pk)  # resumed
    assert batch.status == Batch.Status.DONE
    assert (batch.n_activated, batch.n_ready, batch.n_already_open) == (7, 0, 0)
    assert Wallet.objects.count() == 7
    per_person = (
        AuditEvent.objects.filter(action="wallet.open").values("person").annotate(n=Count("pk"))
    )
    assert len(per_person) == 7 and {row["n"] for row in per_person} == {1}


def test_running_a_finished_batch_again_changes_nothing(checked, run_batch, people):
    batch = run_batch(checked(people))
    again = services.batch_run(batch_id=batch.pk)
    assert again.status == Batch.Status.DONE and again.n_activated == 7
    assert Wallet.objects.count() == 7


def test_one_failing_row_never_stops_the_others(checked, run_batch, people, monkeypatch):
    bad = people[3]
    real_bulk, real_one = running.wallet_open_bulk, running.wallet_open

    def bulk(**kwargs):
        if any(person_id == bad.pk for person_id, _ in kwargs["rows"]):
            raise DatabaseError("simulated constraint failure")
        return real_bulk(**kwargs)

    def one(**kwargs):
        if kwargs["person"].pk == bad.pk:
            raise RuntimeError("simulated")
        return real_one(**kwargs)

    monkeypatch.setattr(running, "wallet_open_bulk", bulk)
    monkeypatch.setattr(running, "wallet_open", one)
    batch = run_batch(checked(people))
    assert batch.status == Batch.Status.DONE
    assert (batch.n_activated, batch.n_failed) == (6, 1)
    row = BatchRow.objects.get(batch=batch, person=bad)
    assert (row.outcome, row.reason, row.reason_arg) == (
        Outcome.FAILED,
        Reason.FAILED,
        "RuntimeError",
    )
    assert Wallet.objects.count() == 6


def test_what_changed_between_check_and_run_is_reported(
    checked, run_batch, people, regions, operator
):
    batch = checked(people[:4])
    suspended, opened_meanwhile, closed, gone = people[:4]
    InsuredPerson = type(suspended)
    InsuredPerson.objects.filter(pk=suspended.pk).update(status=PersonStatus.SUSPENDED)
    wallet_open(person=opened_meanwhile, usage_region=regions["chongqing"], acting_user=None)
    wallet = wallet_open(person=closed, usage_region=regions["chengdu"], acting_user=None)
    Wallet.objects.filter(pk=wallet.pk).update(status=Wallet.Status.CLOSED)
    BatchRow.objects.filter(batch=batch, person=gone).update(person=None)  # record deleted
    batch = run_batch(batch)
    rows = {row.line: row for row in BatchRow.objects.filter(batch=batch)}
    assert (rows[2].outcome, rows[2].reason, rows[2].reason_arg) == (
        Outcome.INVALID,
        Reason.PERSON_NOT_ACTIVE,
        "suspended",
    )
    assert rows[3].outcome == Outcome.ALREADY_OPEN
    assert rows[4].outcome == Outcome.ACTIVATED  # a closed wallet is opened again
    reopened = Wallet.objects.get(person=closed)
    assert (reopened.status, reopened.batch_ref, reopened.by_proxy) == ("open", batch.ref, True)
    assert (rows[5].outcome, rows[5].reason) == (Outcome.INVALID, Reason.PERSON_NOT_FOUND)
    assert (batch.n_activated, batch.n_already_open, batch.n_invalid) == (1, 1, 2)


def test_a_province_switched_off_after_the_check(checked, run_batch, people, regions):
    batch = checked(people[:2])
    province = regions["chongqing"].province
    province.wallet_live = False
    province.save(update_fields=["wallet_live"])
    batch = run_batch(batch)
    assert set(BatchRow.objects.filter(batch=batch).values_list("reason", "reason_arg")) == {
        (Reason.LOCATION_NOT_LIVE, "50")
    }
    assert not Wallet.objects.exists()


def test_only_a_checked_batch_with_ready_rows_can_be_confirmed_or_cancelled(
    checked, people, operator
):
    batch = checked(people[:2])
    services.batch_cancel(batch_id=batch.pk, acting_user=operator)
    with pytest.raises(ValidationError):
        services.batch_confirm(batch_id=batch.pk, acting_user=operator, queue_run=False)
    assert services.batch_run(batch_id=batch.pk).status == Batch.Status.CANCELLED
    assert not Wallet.objects.exists()
    assert AuditEvent.objects.filter(action="wallet.bulk_cancel").exists()


def test_the_job_costs_queries_per_chunk_not_per_row(
    checked, people, operator, django_assert_max_num_queries, settings, regions
):
    settings.BULK_ACTIVATION_CHUNK = 100
    few = checked(people[:2])
    more = InsuredPersonFactory.create_batch(40, region=regions["chongqing"])
    many = checked(more)
    services.batch_confirm(batch_id=few.pk, acting_user=operator, queue_run=False)
    services.batch_confirm(batch_id=many.pk, acting_user=operator, queue_run=False)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        services.batch_run(batch_id=few.pk)
    with django_assert_max_num_queries(len(small)):
        services.batch_run(batch_id=many.pk)
    assert Wallet.objects.count() == 42
