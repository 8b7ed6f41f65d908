"""Accepts, declines and the morning sweep running at once over the same senders,
holding accounts and recipients: no "deadlock detected", many rounds (the lock
order of docs/ARCHITECTURE.md), and the ledger still balances (W8, W9, W10)."""

import contextlib
import datetime
import random
import threading

import pytest
from django.db import OperationalError, connection

from core.reasons import Refusal
from tests.factories import InsuredPersonFactory, UserFactory, chongqing
from tests.wallet.factories import fund, relate
from wallet.models import Transfer, WalletPolicy
from wallet.selectors import ledger_problems
from wallet.services import transfer_accept, transfer_create, transfer_decline, transfers_sweep
from wallet.services.wallets import wallet_open

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CST = datetime.timezone(datetime.timedelta(hours=8))
FAMILIES = 10
ROUNDS = 6


def siblings(n):
    """n pairs of employee siblings, each with an open wallet and money."""
    pairs = []
    for _ in range(n):
        a, b = (
            InsuredPersonFactory(region=chongqing(), user=UserFactory(), insurance_type="employee")
            for _ in range(2)
        )
        relate(a, b, "sibling")
        for person in (a, b):
            fund(person, "5000.00")
            wallet_open(person=person, usage_region=person.region, acting_user=person.user)
        pairs.append((a, b))
    return pairs


def send(sender, recipient, key):
    return transfer_create(
        sender=sender, recipient=recipient, amount="10.00", idempotency_key=key, acting_user=None
    ).pk


def decide_all(ids, decide):
    def job():
        for pk in ids:
            with contextlib.suppress(Refusal):  # decided already, or too late (W9)
                decide(transfer_id=pk, acting_user=None)

    return job


def sweep_in_small_chunks():
    for _ in range(3):
        transfers_sweep(chunk_size=3)


def run_together(jobs, deadlocks: list, other: list) -> None:
    """Each job in a thread of its own (its own connection), started at once."""
    barrier = threading.Barrier(len(jobs))

    def work(job):
        try:
            barrier.wait()
            job()
        except OperationalError as exc:
            (deadlocks if "deadlock" in str(exc) else other).append(exc)
        except Exception as exc:  # surfaced by the test
            other.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_accept_decline_and_sweep_together_never_deadlock(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 21, 0, tzinfo=CST), tick=False)
    # Several pending transfers per sender, so one sender's accounts are on
    # both sides: a decline of today's and the sweep of yesterday's.
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        one_pending=False, daily_count=10
    )
    pairs = siblings(FAMILIES)
    deadlocks, other = [], []
    rng = random.Random(18)
    for day in range(ROUNDS):
        evening = datetime.datetime(2026, 3, 2 + day, 21, 0, tzinfo=CST)
        time_machine.move_to(evening, tick=False)
        # Yesterday evening: both ways in each pair (overdue this morning).
        for i, (a, b) in enumerate(pairs):
            send(a, b, f"old-{day}-{i}-a")
            send(b, a, f"old-{day}-{i}-b")
        time_machine.move_to(evening + datetime.timedelta(hours=13), tick=False)  # 10:00
        fresh = []
        for i, (a, b) in enumerate(pairs):
            fresh += [send(a, b, f"new-{day}-{i}-a"), send(b, a, f"new-{day}-{i}-b")]
        rng.shuffle(fresh)
        jobs = [
            decide_all(fresh[0::4], transfer_accept),
            decide_all(fresh[1::4], transfer_decline),
            decide_all(fresh[2::4], transfer_accept),
            decide_all(fresh[3::4], transfer_decline),
            sweep_in_small_chunks,
        ]
        run_together(jobs, deadlocks, other)
        transfers_sweep()  # what a deadlock would have left behind
    assert [str(exc) for exc in deadlocks] == []
    assert other == []
    # Every transfer decided once: nothing pending is overdue, money conserved (W10).
    last_morning = datetime.datetime(2026, 3, 2 + ROUNDS, 10, 0, tzinfo=CST)
    assert not Transfer.objects.filter(state="pending", due_back_at__lte=last_morning).exists()
    assert Transfer.objects.exclude(state="pending").count() == ROUNDS * FAMILIES * 4
    assert ledger_problems() == []
