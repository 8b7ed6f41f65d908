"""Admin: a settled bill is the money trail of its payment (C6): it cannot be
deleted (alone or in bulk), nor its lines changed."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from claims.models import Bill, BillLine
from claims.services.bills import bill_create
from tests.claims.factories import settle
from tests.factories import FacilityFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bills(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    settled = settle(person, clinic, [("A100", 1, "100.00")])
    entered = bill_create(
        person=person,
        facility=clinic,
        service_date=datetime.date(2026, 3, 2),
        visit="outpatient",
        lines=[("A100", D(1), D("10.00"))],
        entered_by=None,
    )
    return settled, entered


def test_a_settled_bill_cannot_be_deleted_alone(admin_client, bills):
    settled, _entered = bills
    change = admin_client.get(reverse("admin:claims_bill_change", args=[settled.pk]))
    assert reverse("admin:claims_bill_delete", args=[settled.pk]) not in change.content.decode()
    url = reverse("admin:claims_bill_delete", args=[settled.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Bill.objects.filter(pk=settled.pk).exists()


def test_the_bulk_delete_refuses_settled_bills(admin_client, bills, english):
    english(admin_client)
    settled, entered = bills
    url = reverse("admin:claims_bill_changelist")
    data = {"action": "delete_selected", "_selected_action": [settled.pk, entered.pk]}
    page = admin_client.post(url, {**data, "post": "yes"})
    assert page.status_code == 200
    assert f"Bill {settled.reference} is settled" in page.content.decode()
    assert Bill.objects.filter(pk__in=[settled.pk, entered.pk]).count() == 2
    # A bill not settled yet may still be deleted.
    admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [entered.pk], "post": "yes"}
    )
    assert list(Bill.objects.values_list("pk", flat=True)) == [settled.pk]


def test_the_lines_of_a_settled_bill_cannot_be_changed(admin_client, bills):
    settled, _entered = bills
    line = settled.lines.get()
    data = {
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-bill": settled.pk,
        "lines-0-position": "1",
        "lines-0-code": "X100",
        "lines-0-quantity": "9",
        "lines-0-unit_price": "999.00",
        "lines-0-DELETE": "on",
        "lines-1-bill": settled.pk,
        "lines-1-position": "2",
        "lines-1-code": "A100",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "1.00",
    }
    admin_client.post(reverse("admin:claims_bill_change", args=[settled.pk]), data)
    line.refresh_from_db()
    assert (line.code, line.quantity, line.unit_price) == ("A100", D("1"), D("100.00"))
    assert BillLine.objects.filter(bill=settled).count() == 1
