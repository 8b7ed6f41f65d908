"""W10 watched: the nightly ledger_check job records its result, which the admin
shows (the latest first) with the problems it found."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portal.celery import app
from tests.wallet.factories import make_family
from wallet.models import AccountKind, LedgerAccount, LedgerCheck
from wallet.tasks import ledger_check

pytestmark = pytest.mark.django_db


def test_the_ledger_check_runs_every_night():
    entry = app.conf.beat_schedule["wallet-ledger-check"]
    assert entry["task"] == "wallet.tasks.ledger_check"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


def test_the_nightly_job_records_a_clean_run_then_a_difference():
    make_family()
    assert ledger_check.apply().get() == 0
    clean = LedgerCheck.objects.get()
    assert clean.is_clean and clean.trigger == "nightly" and clean.accounts > 0

    account = LedgerAccount.objects.filter(kind=AccountKind.PERSONAL).first()
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance - 1)
    assert ledger_check.apply().get() == 1
    latest = LedgerCheck.objects.first()
    assert not latest.is_clean and latest.problem_count == 1
    assert latest.problems == [
        f"account {account.pk} (personal): balance {account.balance - 1} "
        f"but entries sum to {account.balance}"
    ]


def test_the_admin_shows_the_latest_result_first_with_the_rule_id(english):
    make_family()
    ledger_check.apply()
    account = LedgerAccount.objects.filter(kind=AccountKind.PERSONAL).first()
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance + 1)
    ledger_check.apply()
    admin = get_user_model().objects.create_superuser("root", password="Root-pass-2026")
    client = Client()
    client.force_login(admin)
    english(client)
    page = client.get(reverse("admin:wallet_ledgercheck_changelist")).content.decode()
    assert page.index("W10: 1 problem found") < page.index("W10 clean")
    check = LedgerCheck.objects.first()
    detail = client.get(reverse("admin:wallet_ledgercheck_change", args=[check.pk]))
    assert f"account {account.pk} (personal)" in detail.content.decode()
