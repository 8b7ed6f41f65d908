"""One list of a bill's settled figures (C6): the Bill model's constraints, the
settlement service and the admin read claims.models.bills.SETTLED_FIGURES
(they were three lists that could drift apart)."""

import dataclasses

from django.contrib import admin

from claims.models import Bill
from claims.models.bills import SETTLED_AMOUNTS, SETTLED_FIGURES
from claims.services import bills as service
from claims.settlement.calc import SettlementResult


def test_the_model_constrains_every_settled_amount():
    names = {constraint.name for constraint in Bill._meta.constraints}
    assert {f"bill_{name}_not_negative" for name in SETTLED_AMOUNTS} <= names
    for name in SETTLED_FIGURES:
        assert Bill._meta.get_field(name).null  # unknown until the bill is settled


def test_the_service_stores_exactly_the_list():
    assert service.RESULT_FIELDS is SETTLED_FIGURES
    given = {field.name for field in dataclasses.fields(SettlementResult)}
    given |= set(dir(SettlementResult))  # the figures calculate() derives (properties)
    assert set(SETTLED_FIGURES) <= given  # calculate() gives every figure


def test_the_admin_shows_exactly_the_list_read_only():
    bill_admin = admin.site.get_model_admin(Bill)
    settled = Bill(status=Bill.Status.SETTLED)
    shown = bill_admin.settlement_fields
    assert [name for name in shown if name in SETTLED_FIGURES] == [
        "rate",
        *SETTLED_AMOUNTS,
    ]
    readonly = set(bill_admin.get_readonly_fields(None, settled))
    assert set(SETTLED_FIGURES) <= readonly
