"""Staff roles (S1): the groups exist after migrate, each grants what its duty
needs and no more; what each role can open in the admin and what it cannot."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.staff_roles import (
    ADMINISTRATOR,
    AUDITOR,
    BULK_OPERATOR,
    FINANCE,
    READ_ONLY_ROLES,
    REVIEWER,
    ROLES,
    sync_staff_roles,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "chronic": "/admin/claims/chronicrecognition/",
    "child documents": "/admin/accounts/pendingchildbinding/",
    "claims": "/admin/claims/reimbursementclaim/",
    "refunds": "/admin/claims/refund/",
    "payments": "/admin/wallet/payment/",
    "ledger": "/admin/wallet/ledgerentry/",
    "bulk": "/admin/bulk/batch/",
    "audit": "/admin/core/auditevent/",
    "people": "/admin/accounts/insuredperson/",
    "users": "/admin/auth/user/",
    "policies": "/admin/claims/regionalpolicy/",
}

# S1: what each role opens (200) and what it does not (403).
CAN = {
    REVIEWER: {"chronic", "child documents", "claims", "people"},
    FINANCE: {"claims", "refunds", "payments", "ledger", "people"},
    BULK_OPERATOR: {"bulk", "people"},
    # Bulk activation has one permission, and it is an act (W2): not the auditor's.
    AUDITOR: set(PAGES) - {"bulk"},
    ADMINISTRATOR: set(PAGES),
}


def staff_in(role: str) -> Client:
    user = UserFactory(username=f"staff-{role.replace(' ', '-')}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_after_migrate_the_role_groups_exist_one_of_them_read_only():
    # S1: created by the post-migrate sync, not by this test.
    names = set(Group.objects.values_list("name", flat=True))
    assert set(ROLES) <= names
    assert len(ROLES) >= 4
    for role in READ_ONLY_ROLES:
        codenames = Group.objects.get(name=role).permissions.values_list("codename", flat=True)
        assert codenames, "the auditor sees everything"
        assert all(code.startswith("view_") for code in codenames)


def test_the_sync_is_idempotent_and_skips_permissions_not_there_yet():
    first = sync_staff_roles()
    second = sync_staff_roles()
    assert first == second
    # S1: finance refunds bills (R1) and approves refunds (R5).
    finance = Group.objects.get(name=FINANCE)
    assert finance.permissions.filter(codename="refund").exists()
    assert finance.permissions.filter(codename="change_refund").exists()
    reviewer = Group.objects.get(name=REVIEWER)
    assert reviewer.permissions.filter(codename="review_reimbursementclaim").exists()
    assert not reviewer.permissions.filter(codename="pay_reimbursementclaim").exists()


@pytest.mark.parametrize("role", list(CAN))
def test_what_each_role_can_open_and_what_it_cannot(role):
    client = staff_in(role)
    opened = {name for name, url in PAGES.items() if client.get(url).status_code == 200}
    refused = {name for name, url in PAGES.items() if client.get(url).status_code == 403}
    assert opened == CAN[role]
    assert refused == set(PAGES) - CAN[role]


def test_the_auditor_changes_nothing():
    client = staff_in(AUDITOR)
    response = client.get("/admin/claims/chronicrecognition/")
    assert response.status_code == 200
    assert b'name="action"' not in response.content  # no approve / refuse (S1)
    assert client.get("/admin/claims/regionalpolicy/add/").status_code == 403
