"""Claims test helpers: a small directory and explicit policy rows, so every test
states the numbers its arithmetic uses."""

import datetime
from decimal import Decimal

import factory

from accounts.models import NonLocalRegistration
from claims.models import (
    DirectoryItem,
    DirectoryVersion,
    Disease,
    PolicyRule,
    RegionalPolicy,
)
from claims.services.bills import bill_create, bill_settle

D = Decimal

# code: (class, price limit)
ITEMS = {
    "A100": ("A", None),
    "A200": ("A", D("50.00")),
    "B100": ("B", None),
    "B200": ("B", D("100.00")),
    "X100": ("OUT", None),
}


def directory(year: int = 2026, items: dict | None = None) -> DirectoryVersion:
    version, _created = DirectoryVersion.objects.get_or_create(
        effective_from=datetime.date(year, 1, 1), defaults={"name": f"{year}"}
    )
    for code, (item_class, limit) in (items or ITEMS).items():
        DirectoryItem.objects.update_or_create(
            version=version,
            code=code,
            defaults={
                "name": f"item {code}",
                "kind": "drug",
                "item_class": item_class,
                "price_limit": limit,
                "typical_price": D("10.00"),
            },
        )
    return version


def policy(
    region,
    *,
    year: int = 2026,
    insurance_type: str = "resident",
    rules: dict,
    class_b_share: str = "10",
    referral: str = "10",
    other: str = "20",
) -> RegionalPolicy:
    """rules: {(care_type, tier): (deductible, rate, cap, per_bill)}."""
    header, _created = RegionalPolicy.objects.get_or_create(
        region=region,
        year=year,
        defaults={
            "class_b_share": D(class_b_share),
            "referral_reduction": D(referral),
            "other_temporary_reduction": D(other),
        },
    )
    for (care_type, tier), spec in rules.items():
        deductible, rate, cap = spec[:3]
        per_bill = len(spec) > 3 and spec[3]
        PolicyRule.objects.update_or_create(
            policy=header,
            insurance_type=insurance_type,
            care_type=care_type,
            tier=tier,
            defaults={
                "deductible": D(deductible),
                "rate": D(rate),
                "annual_cap": None if cap is None else D(cap),
                "deductible_scope": "bill" if per_bill else "year",
            },
        )
    return header


# C4: the Chongqing residents' example.
CHONGQING_RESIDENT = {
    ("general_outpatient", 0): (0, 60, 300),
    ("general_outpatient", 1): (0, 60, 300),
    ("general_outpatient", 2): (0, 40, 300),
    ("general_outpatient", 3): (0, 0, 300),
    ("chronic_outpatient", 1): (0, 55, 4000),
    ("chronic_outpatient", 2): (0, 50, 4000),
    ("chronic_outpatient", 3): (0, 40, 4000),
    ("inpatient", 1): (100, 80, 150000, True),
    ("inpatient", 2): (300, 70, 150000, True),
    ("inpatient", 3): (800, 50, 150000, True),
}
EMPLOYEE_OUTPATIENT = {
    ("general_outpatient", 1): (200, 80, 2000),
    ("general_outpatient", 2): (200, 70, 2000),
    ("general_outpatient", 3): (200, 60, 2000),
}


class DiseaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disease
        django_get_or_create = ("code",)

    code = "MT01"
    name = "高血压"
    name_en = "Hypertension"
    cross_province = True
    cross_province_since = 2021


def registration(person, *, destination, kind, start=datetime.date(2026, 1, 1)):
    return NonLocalRegistration.objects.create(
        person=person,
        destination=destination,
        kind=kind,
        start_date=start,
        proof=NonLocalRegistration.Proof.COMMITMENT,
    )


def settle(person, facility, lines, *, day=datetime.date(2026, 3, 1), visit="outpatient", **kw):
    """Enter and settle a bill; `lines` are (code, quantity, unit price)."""
    bill = bill_create(
        person=person,
        facility=facility,
        service_date=day,
        visit=visit,
        lines=[(code, D(str(q)), D(str(p))) for code, q, p in lines],
        entered_by=None,
        **kw,
    )
    return bill_settle(bill=bill, acting_user=None, settled_on=day)
