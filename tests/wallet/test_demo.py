"""wallet/demo.py: twelve months of contributions and two open wallets, twice."""

import sys
import types
from decimal import Decimal

import pytest

from tests.wallet.factories import make_family
from wallet import demo
from wallet.models import AccountKind, Contribution, LedgerAccount, Wallet
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
    assert account.balance == Decimal("1800.00")  # 12 × (120 + 30)
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
