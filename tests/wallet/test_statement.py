"""The personal-account statement (个人账户明细): the running balance read from the
ledger equals the balance shown everywhere else, to the fen, after any sequence
of money operations; the page, the year filter, the CSV, access."""

import csv
import datetime
import io
import random
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.reasons import Refusal
from tests.factories import InsuredPersonFactory, plain
from tests.wallet.factories import fund, make_family
from wallet.models import AccountKind, Payment, Transfer
from wallet.services import (
    payout_for_person,
    pooling_bind,
    transfer_accept,
    transfer_create,
    transfer_decline,
    transfers_sweep,
)
from wallet.statements import statement, statement_csv

CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2025, 12, 18, 10, 0, tzinfo=CST)


def balance_of(*, person, kind: str):
    """The balance the rest of the portal shows (stored on the account row)."""
    from decimal import Decimal

    from wallet.models import LedgerAccount

    found = LedgerAccount.objects.filter(person=person, kind=kind).values_list("balance", flat=True)
    return found.first() or Decimal("0.00")


def random_money(fam, rng: random.Random, time_machine, steps: int) -> None:
    """`steps` money operations picked at random, the clock moving on by hours to
    days between them (across a new year): contributions, transfers sent,
    accepted, declined or swept back, bills paid from the wallet, the own
    account, family pooling or cash."""
    employee, parent, user = fam["employee"], fam["parent"], fam["user"]
    now = START
    for step in range(steps):
        now += datetime.timedelta(hours=rng.choice([1, 1, 2, 3, 5, 30]))
        if now.hour >= 21:  # out of the quiet hours (W7): the next morning
            now += datetime.timedelta(days=1)
        if not 8 <= now.hour < 21:
            now = now.replace(hour=10)
        time_machine.move_to(now)
        op = rng.choices(
            ["fund", "send", "answer", "sweep", "bill", "parent_bill"], weights=[2, 4, 5, 1, 2, 2]
        )[0]
        try:
            if op == "fund":
                fund(employee, f"{rng.randint(100, 900)}.{rng.randint(0, 99):02d}")
            elif op == "send":
                transfer_create(
                    sender=employee,
                    recipient=parent,
                    amount=f"{rng.randint(1, 300)}.{rng.randint(0, 99):02d}",
                    idempotency_key=f"k{step}",
                    acting_user=user,
                )
            elif op == "answer":
                pending = Transfer.objects.filter(state=Transfer.State.PENDING).first()
                if pending is not None:
                    answer = rng.choice([transfer_accept, transfer_decline])
                    answer(transfer_id=pending.pk, acting_user=user)
            elif op == "sweep":
                transfers_sweep(now=now + datetime.timedelta(days=1))
            else:
                person = employee if op == "bill" else parent
                payout_for_person(
                    person=person,
                    amount=Decimal(f"{rng.randint(1, 250)}.{rng.randint(0, 99):02d}"),
                    purpose="bill",
                    reference=f"test-bill:{step}",
                    acting_user=user,
                )
        except Refusal:
            pass  # a refused operation moves nothing; the statement must agree


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_running_balance_equals_the_ledger_after_random_money(seed, time_machine):
    time_machine.move_to(START - datetime.timedelta(days=1))
    fam = make_family(balance="800.00")
    pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=None)
    first = transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount="55.55",
        idempotency_key="first",
        acting_user=fam["user"],
    )
    transfer_accept(transfer_id=first.pk, acting_user=fam["user"])
    random_money(fam, random.Random(seed), time_machine, steps=80)
    # The sequence did move money every way the statement must describe.
    states = set(Transfer.objects.values_list("state", flat=True))
    assert "accepted" in states and states & {"declined", "returned"}
    assert Payment.objects.filter(pooling_amount__gt=0).exists()
    assert Payment.objects.filter(own_account_amount__gt=0).exists()

    for person in (fam["employee"], fam["parent"]):
        carried = {}
        for year in (2025, 2026):
            for account in statement(person=person, year=year):
                # Each year opens where the last one closed...
                assert account.opening == carried.get(account.kind, account.opening)
                carried[account.kind] = account.closing
                # ...and in − out moves it from the opening to the closing balance.
                assert account.opening + account.money_in - account.money_out == account.closing
                for month in account.months:
                    assert month.lines[0].balance == month.closing
        # The last running balance is the balance the rest of the portal shows.
        for kind, closing in carried.items():
            assert closing == balance_of(person=person, kind=kind), (person, kind)
    assert set(carried) == {AccountKind.WALLET}  # the parent (a resident) has a wallet only


@pytest.mark.django_db
def test_statement_page_names_each_movement_and_filters_by_year(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST))
    fam = make_family(balance="500.00")
    sent = transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount="120.50",
        idempotency_key="a",
        acting_user=fam["user"],
    )
    transfer_accept(transfer_id=sent.pk, acting_user=fam["parent_user"])
    client = Client()
    client.force_login(fam["user"])
    client.cookies["django_language"] = "en"
    url = reverse("wallet:statement", args=[fam["employee"].pk])
    html = plain(client.get(url).content.decode())
    assert f"Sent to {fam['parent'].name}&#x27;s wallet" in html
    assert 'data-testid="closing-personal">¥379.50<' in html
    parent_html = plain(
        client.get(reverse("wallet:statement", args=[fam["parent"].pk])).content.decode()
    )
    assert f"Received from {fam['employee'].name}" in parent_html
    assert 'data-testid="closing-wallet">¥120.50<' in parent_html
    # An earlier year: nothing moved, and it opened at zero.
    html = client.get(url, {"year": 2025}).content.decode()
    assert "Nothing moved in 2025." in html
    # CSV: the same lines, neutralised, with a BOM for Excel.
    download = client.get(reverse("wallet:statement_csv", args=[fam["employee"].pk, 2026]))
    text = download.content.decode("utf-8-sig")
    assert "-120.50" in text and "379.50" in text and fam["employee"].masked_id in text


@pytest.mark.django_db
def test_statement_csv_neutralises_a_name_that_looks_like_a_formula(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST))
    fam = make_family(balance="500.00")
    fam["parent"].name = "=HYPERLINK(1)"
    fam["parent"].save(update_fields=["name"])
    transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount="10.00",
        idempotency_key="a",
        acting_user=fam["user"],
    )
    fam["employee"].name = "@SUM(1)"
    fam["employee"].save(update_fields=["name"])
    text = statement_csv(person=fam["employee"], year=2026).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'@SUM(1)" in cells
    assert not [cell for cell in cells if cell.startswith(("=", "@", "+"))]
    assert "-10.00" in cells  # amounts stay numbers


@pytest.mark.django_db
def test_statement_of_someone_else_is_404(time_machine):
    fam = make_family(balance="10.00")
    stranger = InsuredPersonFactory()
    client = Client()
    client.force_login(fam["user"])
    assert client.get(reverse("wallet:statement", args=[stranger.pk])).status_code == 404
    url = reverse("wallet:statement_csv", args=[stranger.pk, 2026])
    assert client.get(url).status_code == 404
