"""Money in the admin: read-only ledger, sweep now (with a confirmation step),
contribution posting, editable policy rows."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.wallet.factories import make_family
from wallet.models import Contribution, LedgerEntry, Transfer, WalletPolicy
from wallet.services import transfer_create


@pytest.fixture
def admin_client(db):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.django_db
def test_ledger_is_read_only_in_the_admin(admin_client, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    make_family()
    entry = LedgerEntry.objects.first()
    assert admin_client.get(reverse("admin:wallet_ledgerentry_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:wallet_ledgerentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="amount"' not in page.content
    assert admin_client.get(reverse("admin:wallet_ledgerentry_add")).status_code == 403


@pytest.mark.django_db
def test_sweep_now_asks_first_then_returns_the_overdue(admin_client, time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00")
    fam = make_family()
    t = transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount="10.00",
        idempotency_key="a",
        acting_user=None,
    )
    url = reverse("admin:wallet_transfer_changelist")
    assert admin_client.get(url, {"state": "pending", "day": "today"}).status_code == 200
    time_machine.move_to("2026-03-03 06:30 +08:00")
    data = {"action": "sweep_now", ACTION_CHECKBOX_NAME: [t.pk]}
    confirm = admin_client.post(url, data)
    assert b"Yes, sweep now" in confirm.content
    t.refresh_from_db()
    assert t.state == "pending"
    admin_client.post(url, {**data, "confirm": "yes"})
    t.refresh_from_db()
    assert t.state == "returned"


@pytest.mark.django_db
def test_post_contributions_from_the_admin(
    admin_client, eager_jobs, django_capture_on_commit_callbacks
):
    """Posted by a background job (every active employee), once however often."""
    fam = make_family(balance=None, open_wallets=False)
    url = reverse("admin:wallet_contribution_post")
    assert admin_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"month": "2026-05-20"})
        admin_client.post(url, {"month": "2026-05-01"})
    assert list(Contribution.objects.values_list("person", "month")) == [
        (fam["employee"].pk, datetime.date(2026, 5, 1))
    ]


@pytest.mark.django_db
def test_contributions_are_not_posted_for_a_month_not_begun(
    admin_client, time_machine, eager_jobs, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-03-31 23:00 +08:00")
    make_family(balance=None, open_wallets=False)
    url = reverse("admin:wallet_contribution_post")
    page = admin_client.post(url, {"month": "2026-04-01"})
    assert page.status_code == 200
    assert b"not for 2026-04" in page.content
    assert not Contribution.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, {"month": "2026-03-31"}).status_code == 302
    assert Contribution.objects.get().month == datetime.date(2026, 3, 1)


@pytest.mark.django_db
def test_policy_rows_are_editable(admin_client):
    policy = WalletPolicy.current()
    url = reverse("admin:wallet_walletpolicy_change", args=[policy.pk])
    assert admin_client.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_without_permission_cannot_sweep(db):
    staff = UserFactory(username="clerk", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:wallet_transfer_changelist")).status_code == 403
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_money_inputs_in_the_admin_refuse_nonsense_amounts_with_a_field_error(admin_client):
    for typed in ("1e30", "NaN", "Infinity", "1" * 40):
        posts = [
            (
                reverse("admin:wallet_contributionrate_add"),
                {"valid_from": "2026-01-01", "employee_share": typed, "employer_credit": "1"},
            ),
            (reverse("admin:wallet_premiumrate_add"), {"year": "2026", "amount": typed}),
            (
                reverse("admin:wallet_walletpolicy_change", args=[1]),
                {
                    "min_amount": "1.00",
                    "max_amount": typed,
                    "daily_count": 3,
                    "quiet_start": "22:00",
                    "quiet_end": "06:00",
                    "sweep_at": "06:00",
                },
            ),
        ]
        for url, data in posts:
            page = admin_client.post(url, data)
            assert page.status_code == 200, (url, typed)
            assert b"errorlist" in page.content, (url, typed)
    assert WalletPolicy.current().max_amount == 2000
