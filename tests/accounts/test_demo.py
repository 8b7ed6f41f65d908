"""Demo data (`manage.py seed_demo`): idempotent, and the family the other apps build on."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from accounts.demo import UNCLAIMED_ID, demo_family
from accounts.models import DependentBinding, Facility, InsuredPerson, OutboundMessage
from accounts.selectors import family_members, relation_of

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_gives_the_demo_family_once():
    call_command("seed_demo")
    counts = (InsuredPerson.objects.count(), DependentBinding.objects.count(),
              Facility.objects.count(), OutboundMessage.objects.count())  # fmt: skip
    call_command("seed_demo")
    assert counts == (
        InsuredPerson.objects.count(),
        DependentBinding.objects.count(),
        Facility.objects.count(),
        OutboundMessage.objects.count(),
    )
    family = demo_family()
    employee, parent, child = family["employee"], family["parent"], family["child"]
    assert (employee.name, employee.insurance_type, employee.region.code) == (
        "张伟", "employee", "500100")  # fmt: skip
    assert (parent.name, parent.insurance_type, parent.region.code) == (
        "张建国", "resident", "510100")  # fmt: skip
    assert child.insurance_type == "resident" and child.region.code == "500100"
    assert child.age_on(timezone.localdate()) == 8
    demo = get_user_model().objects.get(username="demo")
    assert employee.user == demo
    assert [m.pk for m in family_members(user=demo)] == [employee.pk, parent.pk, child.pk]
    assert relation_of(person=employee, other=parent) == "parent"
    assert relation_of(person=employee, other=child) == "child"
    # Facilities in the three demo regions, Chongqing with every tier and a pharmacy.
    chongqing = Facility.objects.filter(region__code="500100")
    assert {f.tier for f in chongqing if f.tier} == {1, 2, 3}
    assert chongqing.filter(kind="pharmacy").exists()
    assert Facility.objects.filter(region__code="510100").exists()
    assert Facility.objects.filter(region__code="440100", designated_outpatient=True).exists()
    # An unclaimed record to try the sign-up; the mother has a request to confirm.
    assert InsuredPerson.objects.get(national_id=UNCLAIMED_ID).user is None
    assert DependentBinding.objects.get(person__name="李秀英").status == "pending_code"
