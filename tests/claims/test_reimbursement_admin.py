"""Out-of-pocket claims in the admin (M2–M5, S1, S2): the reviewer takes the
claim, enters lines (computed on save), approves (two people above the
four-eyes amount); finance pays; neither does the other's part."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.test import Client

from accounts.staff_roles import FINANCE, REVIEWER
from claims.models import ReimbursementClaim
from claims.services import reimbursement as services
from tests.claims.test_reimbursement import _private_documents, pdf, photo  # noqa: F401
from tests.factories import FacilityFactory, InsuredPersonFactory, UserFactory

URL = "/admin/claims/reimbursementclaim/"


def staff(username: str, role: str) -> Client:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def claim(cq, user):
    me = InsuredPersonFactory(region=cq, insurance_type="resident", user=user, name="李华")
    return services.claim_submit(
        person=me,
        facility=FacilityFactory(region=cq, tier=1),
        visit="outpatient",
        why="not_connected",
        care_from=datetime.date(2026, 11, 2),
        care_until=datetime.date(2026, 11, 2),
        amount_paid=Decimal("300.00"),
        bank_name="中国银行",
        bank_account="6217000012345678",
        account_holder="李华",
        invoices=[pdf()],
        expense_lists=[photo()],
        acting_user=user,
    )


def act(client: Client, action: str, claim, **data):
    return client.post(
        URL, {"action": action, ACTION_CHECKBOX_NAME: [claim.pk], **data}, follow=True
    )


def lines_form(claim, rows):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (code, quantity, price) in enumerate(rows):
        data.update(
            {
                f"lines-{i}-code": code,
                f"lines-{i}-quantity": quantity,
                f"lines-{i}-unit_price": price,
                f"lines-{i}-claim": claim.pk,
            }
        )
    return data


def test_review_compute_four_eyes_and_payment_in_the_admin(claim, settings):
    settings.FOUR_EYES_AMOUNT = "100.00"
    first = staff("reviewer1", REVIEWER)
    second = staff("reviewer2", REVIEWER)
    finance = staff("cashier", FINANCE)

    act(first, "start_review", claim)
    claim.refresh_from_db()
    assert claim.status == "under_review"
    page = first.get(f"{URL}{claim.pk}/change/")
    assert "**** 5678" in page.content.decode()
    first.post(f"{URL}{claim.pk}/change/", lines_form(claim, [("A100", "1", "300.00")]))
    claim.refresh_from_db()
    assert claim.payable == Decimal("180.00")  # M3: computed on save
    page = first.get(f"{URL}{claim.pk}/change/").content.decode()
    assert "item A100" in page  # checked against the directory in force (M3)
    assert "6217000012345678" not in page

    response = act(first, "approve", claim)
    assert "S2" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "under_review"
    act(first, "approve", claim)  # the same person again: refused
    claim.refresh_from_db()
    assert claim.status == "under_review"
    act(second, "approve", claim)
    claim.refresh_from_db()
    assert claim.status == "approved"

    # S1: finance pays, reviewers do not; finance approves nothing.
    assert b'value="pay"' not in first.get(URL).content
    assert b'value="approve"' not in finance.get(URL).content
    assert "item A100" in finance.get(f"{URL}{claim.pk}/change/").content.decode()
    act(finance, "pay", claim, post="yes", reference="BOC-1")
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.payment_reference == "BOC-1"


def test_refusal_in_the_admin_asks_for_the_reason(claim):
    reviewer = staff("reviewer1", REVIEWER)
    act(reviewer, "refuse", claim, post="yes", reason="")
    claim.refresh_from_db()
    assert claim.status == "submitted"
    act(reviewer, "refuse", claim, post="yes", reason="不是本次就医的发票")
    claim.refresh_from_db()
    assert claim.status == ReimbursementClaim.Status.REFUSED
    assert claim.refusal_reason == "不是本次就医的发票"


def test_documents_open_for_staff_who_may_view_claims(claim):
    document = claim.documents.get(kind="invoice")
    url = f"{URL}document/{document.pk}/"
    assert staff("reviewer1", REVIEWER).get(url).status_code == 200
    outsider = UserFactory(username="bulk", is_staff=True)
    client = Client()
    client.force_login(outsider)
    assert client.get(url).status_code in (302, 403)
