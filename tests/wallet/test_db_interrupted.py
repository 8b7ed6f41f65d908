"""The database connection terminated (pg_terminate_backend) again and again
during a burst of transfers sent through the pages: no response is a 500, the
person is told to try again, sending the same form again (the same idempotency
key) makes the transfer exactly once, and no money is lost or doubled (W10)."""

import datetime
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.urls import reverse

from tests.processes import database_url
from tests.wallet.factories import make_family
from wallet.models import AccountKind, LedgerAccount, Transfer, WalletPolicy
from wallet.selectors import ledger_problems

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SENDERS = 16
THREADS = 4
BURSTS = 8
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
TRY_AGAIN = "Send the form again: the same transfer is never made twice."
TRY_AGAIN_PAGE = "A transfer or payment sent again is never made twice."


@pytest.fixture(autouse=True)
def _fresh_connection_afterwards():
    """The tests kill their own connection: the clean-up needs a live one."""
    yield
    connection.close()


def terminator(stop: threading.Event, killed: list[int]) -> None:
    """Every 20–60 ms, terminate one connection to this test's database, at
    random (only this test's database: other test processes have their own)."""
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as conn:
        conn.autocommit = True
        n = 0
        while not stop.is_set():
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "ORDER BY random() LIMIT 1"
            ).fetchall()
            killed.append(sum(1 for (done,) in rows if done))
            n += 1
            time.sleep(0.02 + (n % 5) * 0.01)  # a burst of faults, not a clock rule


def send(client: Client, data: dict) -> tuple[int, str]:
    close_old_connections()  # what Django does at the start of every request
    response = client.post(reverse("wallet:transfer"), data, follow=False)
    return response.status_code, response.content.decode(errors="replace")


def ledger_total() -> Decimal:
    balances = LedgerAccount.objects.filter(
        kind__in=(AccountKind.PERSONAL, AccountKind.WALLET, AccountKind.HOLDING)
    ).values_list("balance", flat=True)
    return sum(balances, Decimal(0))


def burst_sender(english, n: int):
    family = make_family(balance="1000.00")
    client = english(Client(raise_request_exception=False))
    client.force_login(family["user"])
    data = {
        "recipient": family["parent"].pk,
        "amount": f"{100 + n}.00",
        "idempotency_key": f"burst-{n}",
    }
    return family, client, data


def burst(clients, mine: list[int], outcomes: dict, unexpected: list) -> None:
    try:
        for n in mine:
            family, client, data = clients[n]
            status, body = send(client, data)
            outcomes[n] = (status, body)
            if not (
                status == 302
                or (status == 200 and TRY_AGAIN in body)
                or (status == 503 and TRY_AGAIN_PAGE in body)
            ):
                unexpected.append(f"{status}: {body[:300]}")
    finally:
        connections.close_all()


def under_fire(clients, senders: range, outcomes: dict, unexpected: list, killed: list) -> None:
    """One burst of `senders` from THREADS threads while connections are killed."""
    stop = threading.Event()
    killer = threading.Thread(target=terminator, args=(stop, killed))
    killer.start()
    try:
        workers = [
            threading.Thread(
                target=burst, args=(clients, list(senders[t::THREADS]), outcomes, unexpected)
            )
            for t in range(THREADS)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
    finally:
        stop.set()
        killer.join(timeout=30)
    connection.close()  # ours was terminated too


def test_transfers_survive_terminated_connections(time_machine, english):
    time_machine.move_to(START, tick=False)
    WalletPolicy.objects.filter(pk=1).update(one_pending=True)
    clients: list = []
    outcomes: dict[int, tuple[int, str]] = {}
    unexpected: list[str] = []
    killed: list[int] = []
    total_before = ledger_total()
    # A kill lands at random: it may hit only idle connections, which the next
    # request replaces unseen. New senders burst until one request was cut off
    # (a condition, not a number of tries), at most BURSTS times.
    for _burst in range(BURSTS):
        first, money_before = len(clients), ledger_total()
        clients += [burst_sender(english, n) for n in range(first, first + SENDERS)]
        total_before += ledger_total() - money_before  # the new senders' money
        under_fire(clients, range(first, first + SENDERS), outcomes, unexpected, killed)
        if any(status != 302 for status, _ in outcomes.values()):
            break

    assert not unexpected, unexpected[:3]  # never a 500 nor a bare error
    assert sum(killed) > 0

    # The person sends the same form again (and a double click sends it twice).
    for _family, client, data in clients:
        for _ in range(2):
            status, body = send(client, data)
            assert status == 302, body[:500]

    for n, (family, _client, data) in enumerate(clients):
        made = Transfer.objects.filter(sender=family["employee"])
        assert [(t.idempotency_key, t.amount) for t in made] == [
            (f"burst-{n}", Decimal(data["amount"]))
        ]
        personal = LedgerAccount.objects.get(person=family["employee"], kind=AccountKind.PERSONAL)
        assert personal.balance == Decimal("1000.00") - Decimal(data["amount"])
    assert ledger_total() == total_before  # W10: transfers move money, never make or lose it
    assert ledger_problems() == []
    assert any(status != 302 for status, _ in outcomes.values()), "nothing was interrupted"


def kill_my_connection() -> None:
    """Terminate this thread's database connection from another one, as an
    administrator or a failover would."""
    pid = connection.connection.info.backend_pid
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def a_sender(english):
    family = make_family(balance="1000.00")
    client = english(Client(raise_request_exception=False))
    client.force_login(family["user"])
    data = {"recipient": family["parent"].pk, "amount": "250.00", "idempotency_key": "once"}
    return family, client, data


def test_cut_off_before_the_commit_the_form_says_try_again_and_keeps_its_key(
    time_machine, english, monkeypatch
):
    time_machine.move_to(START, tick=False)
    family, client, data = a_sender(english)
    from wallet.services import transfers

    real = transfers.write_transfer

    def cut_off(**kwargs):
        kill_my_connection()
        return real(**kwargs)

    monkeypatch.setattr(transfers, "write_transfer", cut_off)
    status, body = send(client, data)
    assert status == 200 and TRY_AGAIN in body
    assert 'value="once"' in body  # the same key goes back with the form
    assert not Transfer.objects.exists()  # nothing half-done

    monkeypatch.setattr(transfers, "write_transfer", real)
    status, _body = send(client, data)
    assert status == 302
    assert Transfer.objects.get().amount == Decimal("250.00")
    assert ledger_problems() == []


def test_cut_off_after_the_commit_sending_again_does_not_pay_twice(
    time_machine, english, monkeypatch
):
    """The transfer committed, then the connection dropped before the answer:
    the person is told to try again, and doing so finds the transfer made."""
    time_machine.move_to(START, tick=False)
    family, client, data = a_sender(english)
    from wallet import views

    real = views.transfer_create

    def committed_then_cut_off(**kwargs):
        made = real(**kwargs)
        kill_my_connection()
        Transfer.objects.filter(pk=made.pk).exists()  # the next query finds it dead
        return made

    monkeypatch.setattr(views, "transfer_create", committed_then_cut_off)
    status, body = send(client, data)
    assert status == 200 and TRY_AGAIN in body
    monkeypatch.setattr(views, "transfer_create", real)
    response = client.post(reverse("wallet:transfer"), data, follow=True)
    assert "250.00</span> is on its way to" in response.content.decode()
    assert Transfer.objects.count() == 1
    personal = LedgerAccount.objects.get(person=family["employee"], kind=AccountKind.PERSONAL)
    assert personal.balance == Decimal("750.00")
    assert ledger_problems() == []


def test_a_page_cut_off_elsewhere_answers_503_try_again(english, monkeypatch):
    """Outside a form that handles it, a dropped connection is a translated 503
    'try again' page (not a 500), in the reader's language."""
    family, client, _data = a_sender(english)
    from wallet import selectors

    def cut_off(**kwargs):
        kill_my_connection()
        return list(Transfer.objects.all())

    monkeypatch.setattr(selectors, "pending_for_user", cut_off)
    close_old_connections()
    response = client.get(reverse("wallet:index"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert TRY_AGAIN_PAGE in response.content.decode()
    client.cookies["django_language"] = "zh-hans"
    close_old_connections()
    response = client.get(reverse("wallet:index"))
    assert response.status_code == 503 and "请重试" in response.content.decode()
