"""wallet.services.wallet_open_bulk, the one service bulk proxy activation opens
wallets with: its set-based statements keep the rules (W1, W2) and write the
same rows as wallet_open."""

import pytest

from accounts.models import PersonStatus
from core.models import AuditEvent
from tests.factories import InsuredPersonFactory
from wallet.models import AccountKind, LedgerAccount, Wallet
from wallet.services import wallet_open, wallet_open_bulk

pytestmark = pytest.mark.django_db


def family(regions):
    """Active in a live region, suspended, in Guangdong (not live), already open."""
    live, dead = regions["chongqing"], regions["guangzhou"]
    ok = InsuredPersonFactory(region=live)
    suspended = InsuredPersonFactory(region=live, status=PersonStatus.SUSPENDED)
    not_live = InsuredPersonFactory(region=live)
    opened = InsuredPersonFactory(region=live)
    wallet_open(person=opened, usage_region=live, acting_user=None)
    rows = [(ok.pk, live.pk), (suspended.pk, live.pk), (not_live.pk, dead.pk), (opened.pk, live.pk)]
    return ok, rows


def written(person):
    """What a wallet opened for `person` left behind, ids replaced by what they mean."""
    wallet = Wallet.objects.get(person=person)
    audit = AuditEvent.objects.get(person=person, action="wallet.open")
    return {
        "wallet": (
            wallet.status,
            wallet.by_proxy,
            wallet.opened_by_id,
            wallet.usage_region_id,
            wallet.batch_ref,
        ),
        "account": LedgerAccount.objects.filter(person=person, kind=AccountKind.WALLET).count(),
        "audit": (
            audit.actor_id,
            audit.target == f"wallet.Wallet:{wallet.pk}",
            audit.details,
            audit.actor_label,
            audit.person_label == f"{person.name} {person.masked_id}",
        ),
    }


def test_bulk_opening_writes_what_wallet_open_writes(regions, operator):
    ours, our_rows = family(regions)
    one = InsuredPersonFactory(region=regions["chongqing"])
    assert wallet_open_bulk(rows=our_rows, acting_user=operator, batch_ref="bulk-1") == [ours.pk]
    wallet_open(
        person=one,
        usage_region=regions["chongqing"],
        acting_user=operator,
        by_proxy=True,
        batch_ref="bulk-1",
    )
    assert written(ours) == written(one)
    assert written(ours)["audit"][2:4] == (
        {"usage_region": regions["chongqing"].code, "by_proxy": True, "batch": "bulk-1"},
        "shequ",
    )
    # One already open, two opened: the suspended and Guangdong rows opened nothing.
    assert Wallet.objects.count() == 3


def test_opening_twice_opens_nothing_twice(regions, operator):
    ours, rows = family(regions)
    wallet_open_bulk(rows=rows, acting_user=operator, batch_ref="bulk-1")
    assert wallet_open_bulk(rows=rows, acting_user=operator, batch_ref="bulk-2") == []
    assert Wallet.objects.get(person=ours).batch_ref == "bulk-1"
    assert LedgerAccount.objects.filter(person=ours, kind=AccountKind.WALLET).count() == 1
    assert AuditEvent.objects.filter(person=ours, action="wallet.open").count() == 1
