"""wallet/demo.py: twelve months of contributions, each dated in its month, two
open wallets, a returned and a pending transfer; twice, and at night too."""

import sys
import types
from decimal import Decimal

import pytest

from tests.wallet.factories import make_family
from wallet import demo
from wallet.models import AccountKind, Contribution, LedgerAccount, Transfer, Wallet
from wallet.selectors import ledger_problems


@pytest.fixture
def demo_family(db, monkeypatch):
    fam = make_family(balance=None, open_wallets=False, username="demo")
    module = types.ModuleType("accounts.demo")
    module.demo_family = lambda: {"employee": fam["employee"], "parent": fam["parent"]}
    monkeypatch.setitem(sys.modules, "accounts.demo", module)
    return fam


@pytest.mark.django_db
def test_demo_money_loads_twice_without_doubling(demo_family):
    demo.load()
    demo.load()
    employee = demo_family["employee"]
    assert Contribution.objects.filter(person=employee).count() == 12
    account = LedgerAccount.objects.get(person=employee, kind=AccountKind.PERSONAL)
    # 12 × (120 + 30), less the ¥300 waiting for the father (the ¥200 came back).
    assert account.balance == Decimal("1500.00")
    transfers = {t.idempotency_key: t for t in Transfer.objects.filter(sender=employee)}
    assert transfers[demo.RETURNED].state == "returned"
    assert transfers[demo.PENDING].state == "pending"
    # Credited month by month through the year, not all on the seeding day.
    months = {c.posted_at.astimezone().strftime("%Y-%m") for c in Contribution.objects.all()}
    assert len(months) == 12
    assert Wallet.objects.get(person=employee).is_open
    parent_wallet = Wallet.objects.get(person=demo_family["parent"])
    assert parent_wallet.by_proxy and parent_wallet.opened_by == demo_family["user"]
    assert ledger_problems() == []


@pytest.mark.django_db
def test_a_broken_contract_is_a_clear_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    module = types.ModuleType("accounts.demo")
    module.demo_family = dict
    monkeypatch.setitem(sys.modules, "accounts.demo", module)
    with pytest.raises(ImproperlyConfigured, match="demo_family"):
        demo.load()


@pytest.mark.django_db
def test_seeded_at_night_the_pending_transfer_was_made_before_the_quiet_hours(
    demo_family, time_machine
):
    import datetime

    from core import clock

    night = datetime.datetime(
        2026, 3, 10, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    time_machine.move_to(night, tick=False)
    demo.load()
    pending = Transfer.objects.get(idempotency_key=demo.PENDING)
    assert pending.state == "pending"
    assert clock.localtime(pending.created_at).strftime("%Y-%m-%d %H:%M") == "2026-03-10 21:30"
