"""The morning sweep (W9): the cutoff, exactly once, twice, killed half way, the
operator command, the beat entries, and ledger_check."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.celery import app
from tests.wallet.factories import make_family
from wallet.models import AccountKind, LedgerAccount, LedgerEntry, Transfer
from wallet.selectors import ledger_problems
from wallet.services import sweep as sweep_module
from wallet.services import transfer_create, transfers_sweep

D = Decimal
CST = datetime.timezone(datetime.timedelta(hours=8))


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=CST)


def pending_from(n, time_machine, when="2026-03-02 21:00:00"):
    """n families, each with one transfer of 100.00 pending since `when`."""
    time_machine.move_to(at(when), tick=False)
    fams = [make_family(balance="500.00") for _ in range(n)]
    for i, fam in enumerate(fams):
        transfer_create(
            sender=fam["employee"],
            recipient=fam["parent"],
            amount="100.00",
            idempotency_key=f"p{i}",
            acting_user=fam["user"],
        )
    return fams


def personal(fam):
    return LedgerAccount.objects.get(person=fam["employee"], kind=AccountKind.PERSONAL).balance


def returns_count():
    return LedgerEntry.objects.filter(kind="transfer_return").count()


@pytest.mark.django_db
def test_cutoff_is_six_on_the_next_morning(time_machine):
    fams = pending_from(2, time_machine)
    assert transfers_sweep(now=at("2026-03-02 23:59:59")) == 0
    assert transfers_sweep(now=at("2026-03-03 05:59:59")) == 0  # the 05:55 run
    assert Transfer.objects.filter(state="pending").count() == 2
    assert transfers_sweep(now=at("2026-03-03 06:00:00")) == 2
    assert transfers_sweep(now=at("2026-03-03 06:05:00")) == 0  # the safety net
    assert all(personal(f) == D("500.00") for f in fams)
    assert set(Transfer.objects.values_list("state", flat=True)) == {"returned"}
    assert returns_count() == 4
    assert ledger_problems() == []


@pytest.mark.django_db
def test_a_morning_transfer_waits_for_the_next_morning(time_machine):
    pending_from(1, time_machine, when="2026-03-03 06:00:00")
    assert transfers_sweep(now=at("2026-03-03 23:00:00")) == 0
    assert transfers_sweep(now=at("2026-03-04 05:59:59")) == 0
    assert transfers_sweep(now=at("2026-03-04 06:00:00")) == 1


@pytest.mark.django_db
def test_accepted_and_declined_transfers_are_left_alone(time_machine):
    from wallet.services import transfer_accept, transfer_decline

    fams = pending_from(3, time_machine)
    a, d, _p = Transfer.objects.order_by("pk")
    transfer_accept(transfer_id=a.pk, acting_user=None)
    transfer_decline(transfer_id=d.pk, acting_user=None)
    assert transfers_sweep(now=at("2026-03-04 06:00:00")) == 1
    assert personal(fams[0]) == D("400.00")
    assert ledger_problems() == []


@pytest.mark.django_db
def test_killed_half_way_then_run_again_returns_each_once(time_machine, monkeypatch):
    pending_from(5, time_machine)
    real_return = sweep_module._return_chunk
    calls = {"n": 0}

    def dies_on_second_chunk(**kwargs):
        calls["n"] += 1
        returned = real_return(**kwargs)  # the chunk's work is done, not committed
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return returned

    monkeypatch.setattr(sweep_module, "_return_chunk", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        transfers_sweep(now=at("2026-03-03 06:00:00"), chunk_size=2)
    # The first chunk committed; the second vanished as a whole.
    assert Transfer.objects.filter(state="returned").count() == 2
    assert returns_count() == 4
    assert ledger_problems() == []

    monkeypatch.setattr(sweep_module, "_return_chunk", real_return)
    assert transfers_sweep(now=at("2026-03-03 06:05:00"), chunk_size=2) == 3
    assert transfers_sweep(now=at("2026-03-03 06:10:00"), chunk_size=2) == 0
    assert Transfer.objects.filter(state="returned").count() == 5
    assert returns_count() == 10
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_return_each_transfer_once(time_machine):
    fams = pending_from(6, time_machine)
    counts = []

    def run():
        try:
            counts.append(transfers_sweep(now=at("2026-03-03 06:00:00"), chunk_size=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 6
    assert returns_count() == 12
    assert all(personal(f) == D("500.00") for f in fams)
    assert ledger_problems() == []


@pytest.mark.django_db
def test_operator_command_with_now(time_machine, capsys):
    pending_from(2, time_machine)
    time_machine.move_to(at("2026-03-03 07:00:00"), tick=False)
    call_command("sweep_unclaimed_transfers", "--now", "2026-03-03T05:59:59")
    assert "0 unclaimed" in capsys.readouterr().out
    call_command("sweep_unclaimed_transfers", "--now", "2026-03-03T06:00:00+08:00")
    assert "2 unclaimed" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("sweep_unclaimed_transfers", "--now", "tomorrow")


@pytest.mark.django_db
def test_operator_command_refuses_a_future_time_and_an_empty_chunk(time_machine):
    """A future --now would return transfers their recipients may still accept (W9)."""
    fams = pending_from(1, time_machine)
    time_machine.move_to(at("2026-03-03 05:00:00"), tick=False)
    with pytest.raises(CommandError, match="in the future"):
        call_command("sweep_unclaimed_transfers", "--now", "2026-03-03T06:00:00")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("sweep_unclaimed_transfers", "--chunk-size", "0")
    assert Transfer.objects.get(sender=fams[0]["employee"]).is_pending


@pytest.mark.django_db
def test_sweep_logs_how_many_it_returned(time_machine, caplog):
    pending_from(2, time_machine)
    caplog.set_level("INFO", logger="wallet.services.sweep")
    transfers_sweep(now=at("2026-03-03 06:00:00"))
    assert "2 unclaimed transfers returned" in caplog.text


@pytest.mark.django_db
def test_ledger_check_passes_and_catches_a_wrong_balance(time_machine, capsys):
    pending_from(1, time_machine)
    call_command("ledger_check")
    assert "every balance matches" in capsys.readouterr().out
    account = LedgerAccount.objects.filter(kind=AccountKind.PERSONAL).first()
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance + D("0.01"))
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert f"account {account.pk}" in capsys.readouterr().err


@pytest.mark.django_db
def test_ledger_entries_are_append_only(time_machine):
    pending_from(1, time_machine)
    entry = LedgerEntry.objects.first()
    with pytest.raises(RuntimeError):
        entry.save()
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()


def test_beat_runs_the_sweep_before_and_after_six():
    schedule = app.conf.beat_schedule
    runs = [e for e in schedule.values() if e["task"] == "wallet.tasks.sweep_unclaimed_transfers"]
    times = sorted((min(e["schedule"].hour), min(e["schedule"].minute)) for e in runs)
    assert times == [(5, 55), (6, 5)]
    app.loader.import_default_modules()
    assert "wallet.tasks.sweep_unclaimed_transfers" in app.tasks


@pytest.mark.django_db
def test_celery_tasks_call_the_services(time_machine):
    from wallet.tasks import post_monthly_contributions, sweep_unclaimed_transfers

    pending_from(2, time_machine)
    time_machine.move_to(at("2026-03-03 06:05:00"), tick=False)
    assert sweep_unclaimed_transfers() == 2
    assert sweep_unclaimed_transfers() == 0
    posted = post_monthly_contributions()
    assert posted == 2  # the two employees, for March
    assert post_monthly_contributions() == 0
    assert ledger_problems() == []
