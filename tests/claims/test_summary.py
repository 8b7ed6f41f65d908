"""Annual summary (T1), the major-illness deduction (T2) and who may claim it."""

import datetime
from decimal import Decimal as D

import pytest

from accounts.services import relationship_create
from claims.models import ClaimsSettings
from claims.selectors import annual_summary, major_illness_deduction, who_may_claim
from tests.claims.factories import settle
from tests.factories import FacilityFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("personal_share", "deduction"),
    [
        (D("0.00"), D("0.00")),
        (D("15000.00"), D("0.00")),  # max(15,000.00 − 15,000, 0) = 0
        (D("15000.01"), D("0.01")),  # 15,000.01 − 15,000 = 0.01
        (D("60000.00"), D("45000.00")),  # 60,000 − 15,000
        (D("95000.00"), D("80000.00")),  # 95,000 − 15,000 = 80,000 = the cap
        (D("95000.01"), D("80000.00")),  # min(80,000.01, 80,000)
        (D("250000.00"), D("80000.00")),
    ],
)
def test_major_illness_deduction(personal_share, deduction):
    assert major_illness_deduction(personal_share) == deduction


def test_deduction_numbers_are_settings():
    settings = ClaimsSettings.current()
    settings.tax_threshold = D("20000")
    settings.tax_cap = D("60000")
    settings.save()
    assert major_illness_deduction(D("30000.00")) == D("10000.00")  # 30,000 − 20,000
    assert major_illness_deduction(D("90000.00")) == D("60000.00")  # capped at 60,000


def test_summary_counts_only_the_personal_share_within_the_directory(cq):
    # Tier 3 general outpatient pays 0 % (C4), so the whole eligible amount is
    # the personal share within the directory (自付); out-of-directory lines are
    # 自费 and do not count towards T2.
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    tertiary = FacilityFactory(region=cq, tier=3)
    settle(
        person,
        tertiary,
        [("A100", 1, "10000.00"), ("X100", 1, "3000.00")],
        day=datetime.date(2026, 2, 1),
    )
    settle(person, tertiary, [("A100", 1, "5000.01")], day=datetime.date(2026, 7, 1))
    summary = annual_summary(person=person, year=2026, viewer=person)
    assert summary.bills == 2
    assert summary.total == D("10000.00") + D("3000.00") + D("5000.01")
    assert summary.personal_in_directory == D("10000.00") + D("5000.01")  # 15,000.01
    assert summary.self_pay == D("3000.00")
    assert summary.deduction == D("0.01")
    assert summary.months[1].total == D("13000.00")  # February
    assert summary.months[6].total == D("5000.01")  # July
    assert annual_summary(person=person, year=2025).bills == 0


def test_summary_year_is_the_year_the_bill_was_settled(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    tertiary = FacilityFactory(region=cq, tier=3)
    from claims.services.bills import bill_create, bill_settle

    bill = bill_create(
        person=person,
        facility=tertiary,
        service_date=datetime.date(2026, 12, 30),
        visit="outpatient",
        lines=[("A100", D(1), D("100.00"))],
        entered_by=None,
    )
    bill_settle(bill=bill, acting_user=None, settled_on=datetime.date(2027, 1, 4))
    assert annual_summary(person=person, year=2026).bills == 0
    assert annual_summary(person=person, year=2027).personal_in_directory == D("100.00")


def test_who_may_claim_self_spouse_minor_child_but_not_parents_or_adult_children(db):
    me = InsuredPersonFactory(born=datetime.date(1985, 5, 1))
    spouse = InsuredPersonFactory(born=datetime.date(1986, 5, 1), sex="F")
    parent = InsuredPersonFactory(born=datetime.date(1958, 1, 1))
    minor = InsuredPersonFactory(born=datetime.date(2018, 3, 1))
    adult = InsuredPersonFactory(born=datetime.date(2005, 3, 1))
    sibling = InsuredPersonFactory(born=datetime.date(1988, 3, 1))
    relationship_create(actor=None, person_a=me, person_b=spouse, kind="spouse")
    relationship_create(actor=None, person_a=parent, person_b=me, kind="parent")
    relationship_create(actor=None, person_a=me, person_b=minor, kind="parent")
    relationship_create(actor=None, person_a=me, person_b=adult, kind="parent")
    relationship_create(actor=None, person_a=me, person_b=sibling, kind="sibling")
    verdicts = {
        name: who_may_claim(viewer=me, person=p, year=2026)
        for name, p in [
            ("self", me),
            ("spouse", spouse),
            ("parent", parent),
            ("minor", minor),
            ("adult", adult),
            ("sibling", sibling),
        ]
    }
    assert {k: v.may_claim for k, v in verdicts.items()} == {
        "self": True,
        "spouse": True,
        "parent": False,
        "minor": True,
        "adult": False,
        "sibling": False,
    }
    assert verdicts["parent"].relation == "parent"
    # A child who turns 18 during the year is an adult for that year's return.
    turning = InsuredPersonFactory(born=datetime.date(2008, 12, 31))
    relationship_create(actor=None, person_a=me, person_b=turning, kind="parent")
    assert who_may_claim(viewer=me, person=turning, year=2025).may_claim is True
    assert who_may_claim(viewer=me, person=turning, year=2026).may_claim is False
