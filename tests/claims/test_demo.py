"""claims.demo.load(): reference data and the demo family's bills, safe to run twice."""

import datetime

import pytest
import time_machine

from accounts.models import Facility, NonLocalRegistration
from claims import demo
from claims.models import Bill, ChronicRecognition, DirectoryItem, DirectoryVersion, PolicyRule
from tests.factories import InsuredPersonFactory, chengdu, chongqing

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(monkeypatch):
    employee = InsuredPersonFactory(region=chongqing(), insurance_type="employee")
    parent = InsuredPersonFactory(
        region=chengdu(), insurance_type="resident", born=datetime.date(1956, 8, 20)
    )
    child = InsuredPersonFactory(
        region=chongqing(), insurance_type="resident", born=datetime.date(2018, 1, 1)
    )
    NonLocalRegistration.objects.create(
        person=parent,
        destination=chongqing(),
        kind="long_term_resident",
        start_date=datetime.date(2026, 9, 1),
        proof="commitment",
    )
    family = {"employee": employee, "parent": parent, "child": child}
    monkeypatch.setattr(demo, "_demo_family", lambda: family)
    return family


@time_machine.travel(datetime.datetime(2026, 9, 30, 4, tzinfo=datetime.UTC), tick=False)
def test_demo_loads_everything_once(family):
    demo.load()
    counts = (
        Facility.objects.count(),
        DirectoryItem.objects.count(),
        PolicyRule.objects.count(),
        Bill.objects.count(),
        ChronicRecognition.objects.count(),
    )
    demo.load()
    assert counts == (
        Facility.objects.count(),
        DirectoryItem.objects.count(),
        PolicyRule.objects.count(),
        Bill.objects.count(),
        ChronicRecognition.objects.count(),
    )
    assert DirectoryVersion.objects.count() == 2  # last year's and this year's editions
    assert DirectoryItem.objects.count() > 600  # a few hundred items in each
    assert Facility.objects.filter(kind="pharmacy").exists()
    assert set(Facility.objects.values_list("tier", flat=True)) >= {1, 2, 3}
    bills = Bill.objects.all()
    assert bills.count() == 6 and all(b.is_settled for b in bills)
    non_local = Bill.objects.get(reference="DEMO-ZJG-3")
    assert non_local.care_type == "chronic_outpatient"
    assert "F4-01" in non_local.reasons and "C5-01" in non_local.reasons
    # Chongqing residents: C4 seeded (tier 3 general outpatient 0 %).
    assert (
        PolicyRule.objects.get(
            policy__region__code="500100",
            policy__year=2026,
            insurance_type="resident",
            care_type="general_outpatient",
            tier=3,
        ).rate
        == 0
    )


def test_demo_without_the_people_demo_loads_reference_data(monkeypatch):
    monkeypatch.setattr(demo, "_demo_family", lambda: None)
    demo.load()
    assert not Bill.objects.exists() and DirectoryItem.objects.exists()
