"""open_wallets (set-based SQL on PostgreSQL) keeps wallet_open_bulk's rules and
writes the same rows (W1, W2)."""

import pytest

from accounts.models import AuditEvent, PersonStatus
from tests.factories import InsuredPersonFactory
from wallet.bulk.wallets import open_wallets
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
    wallet = Wallet.objects.get(person=person)
    audit = AuditEvent.objects.get(person=person, action="wallet.open")
    return {
        "wallet": (wallet.status, wallet.by_proxy, wallet.opened_by_id, wallet.usage_region_id),
        "account": LedgerAccount.objects.filter(person=person, kind=AccountKind.WALLET).count(),
        "audit": (audit.actor_id, audit.details["by_proxy"], audit.details["batch"]),
    }


def test_open_wallets_writes_what_wallet_open_bulk_writes(regions, operator):
    ours, our_rows = family(regions)
    theirs, their_rows = family(regions)
    assert open_wallets(rows=our_rows, acting_user=operator, batch_ref="bulk-1") == [ours.pk]
    assert wallet_open_bulk(rows=their_rows, acting_user=operator, batch_ref="bulk-1") == [
        theirs.pk
    ]
    assert written(ours) == written(theirs)
    assert Wallet.objects.get(person=ours).batch_ref == "bulk-1"
    audit = AuditEvent.objects.get(person=ours, action="wallet.open")
    # accounts.services.audit_record's target: "app.Model:pk"; details as wallet_open's.
    assert audit.target == f"wallet.Wallet:{Wallet.objects.get(person=ours).pk}"
    assert audit.details["usage_region"] == regions["chongqing"].code
    assert Wallet.objects.count() == 4  # the suspended and Guangdong rows opened nothing


def test_open_wallets_twice_opens_nothing_twice(regions, operator):
    ours, rows = family(regions)
    open_wallets(rows=rows, acting_user=operator, batch_ref="bulk-1")
    assert open_wallets(rows=rows, acting_user=operator, batch_ref="bulk-2") == []
    assert Wallet.objects.get(person=ours).batch_ref == "bulk-1"
    assert LedgerAccount.objects.filter(person=ours, kind=AccountKind.WALLET).count() == 1
    assert AuditEvent.objects.filter(person=ours, action="wallet.open").count() == 1
