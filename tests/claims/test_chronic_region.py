"""C5 and regions: recognition is made at home (a hospital in the insured
province), and cross-province settlement covers only the national list's
diseases, each from the year it joined the list (C5-04)."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import DependentBinding
from claims.models import ChronicRecognition
from claims.selectors import estimate
from claims.services.chronic import recognition_apply, recognition_approve
from tests.claims.factories import DiseaseFactory, registration, settle
from tests.factories import FacilityFactory, InsuredPersonFactory, chengdu

pytestmark = pytest.mark.django_db


def _recognised(person, disease, hospital):
    recognition = recognition_apply(
        person=person, disease=disease, hospital=hospital, diagnosis="x", acting_user=None
    )
    return recognition_approve(
        recognition=recognition, acting_user=None, valid_from=datetime.date(2026, 1, 1)
    )


@pytest.fixture
def resettled(cq):
    """A Chongqing resident resettled in Chengdu (long-term registration: home
    rates), with a tertiary hospital at home and a flagged one in Chengdu."""
    elsewhere = chengdu()
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    registration(person, destination=elsewhere, kind="retired_resettled")
    return {
        "person": person,
        "home": FacilityFactory(region=cq, tier=3, chronic_settlement=True),
        "there": FacilityFactory(region=elsewhere, tier=3, chronic_settlement=True),
    }


def test_a_locally_recognised_disease_is_not_settled_across_provinces(resettled):
    person, home, there = resettled["person"], resettled["home"], resettled["there"]
    local_only = DiseaseFactory(code="MT11", name="精神分裂症", cross_province=False)
    local_only.cross_province_since = None
    local_only.save()
    _recognised(person, local_only, home)

    # At home: Chongqing's chronic row, tier 3: 40 % → 100.00 × 40 % = 40.00.
    at_home = settle(person, home, [("A100", 1, "100.00")], disease=local_only)
    assert at_home.care_type == "chronic_outpatient"
    assert at_home.fund_paid == D("100.00") * D("0.40")
    # In Chengdu: not on the cross-province list → general outpatient, tier 3:
    # 0 % (C4) → 100.00 × 0 % = 0.00.
    away = settle(person, there, [("A100", 1, "100.00")], disease=local_only)
    assert away.care_type == "general_outpatient"
    assert away.fund_paid == D("0.00")
    assert "C5-04" in away.reasons and "C5-01" not in away.reasons


def test_a_disease_counts_across_provinces_only_from_the_year_it_joined_the_list(resettled):
    person, home, there = resettled["person"], resettled["home"], resettled["there"]
    later = DiseaseFactory(code="MT06", name="慢阻肺", cross_province=True)
    later.cross_province_since = 2027  # joins the list after this 2026 bill
    later.save()
    _recognised(person, later, home)
    bill = settle(person, there, [("A100", 1, "100.00")], disease=later)
    assert bill.care_type == "general_outpatient" and "C5-04" in bill.reasons
    # On the list since 2021 (hypertension): 100.00 × 40 % = 40.00 in Chengdu.
    listed = DiseaseFactory()
    _recognised(person, listed, home)
    ok = settle(person, there, [("A100", 1, "100.00")], disease=listed)
    assert ok.care_type == "chronic_outpatient" and ok.fund_paid == D("40.00")


def test_the_estimate_applies_the_cross_province_list_too(resettled):
    person, there = resettled["person"], resettled["there"]
    local_only = DiseaseFactory(code="MT12", name="帕金森病", cross_province=False)
    scenarios = estimate(
        person=person,
        facility=there,
        day=datetime.date(2026, 3, 1),
        visit="outpatient",
        lines=[("A100", D(1), D("100.00"))],
        disease=local_only,
    )
    chronic = next(s for s in scenarios if s.key == "chronic")
    # Even with a recognition, Chengdu would settle it as general outpatient: 0.00.
    assert chronic.care_type == "general_outpatient" and chronic.result.fund_paid == D("0.00")
    assert "C5-04" in chronic.result.reasons


def test_recognition_is_applied_for_at_home(resettled):
    person, home, there = resettled["person"], resettled["home"], resettled["there"]
    with pytest.raises(ValidationError) as caught:
        recognition_apply(
            person=person, disease=DiseaseFactory(), hospital=there, diagnosis="x", acting_user=None
        )
    assert "hospital" in caught.value.message_dict
    assert not ChronicRecognition.objects.exists()
    assert recognition_apply(
        person=person, disease=DiseaseFactory(), hospital=home, diagnosis="x", acting_user=None
    )


def test_approval_refuses_a_hospital_no_longer_in_the_insured_province(
    resettled, admin_client, english
):
    """The patient moved their insurance to Sichuan after applying at a Chongqing
    hospital: approval refuses with the application's C5 message, nothing changes."""
    person, home = resettled["person"], resettled["home"]
    recognition = recognition_apply(
        person=person, disease=DiseaseFactory(), hospital=home, diagnosis="x", acting_user=None
    )
    person.region = resettled["there"].region
    person.save(update_fields=["region"])

    english(admin_client)
    response = admin_client.post(
        reverse("admin:claims_chronicrecognition_changelist"),
        {"action": "approve", "_selected_action": [recognition.pk], "post": "yes"},
        follow=True,
    )
    said = [str(m) for m in response.context["messages"]]
    assert any(
        "C5-10: Recognition is applied for at home: choose a hospital in the patient's "
        "insured province." in m  # administrators read the rule id
        for m in said
    ), said
    assert "0 recognitions approved." in said
    recognition.refresh_from_db()
    assert (recognition.status, recognition.valid_until) == ("pending", None)

    with pytest.raises(ValidationError) as caught:
        recognition_approve(recognition=recognition, acting_user=None)
    assert "hospital" in caught.value.message_dict


def test_the_application_form_offers_only_hospitals_at_home(user_client, user, resettled, english):
    english(user_client)
    person, home, there = resettled["person"], resettled["home"], resettled["there"]
    DependentBinding.objects.create(user=user, person=person, relation="parent", status="active")
    page = user_client.get(reverse("claims:chronic")).content.decode()
    assert home.name in page and there.name not in page
    response = user_client.post(
        reverse("claims:chronic"),
        {
            "person": person.pk,
            "disease": DiseaseFactory().pk,
            "hospital": there.pk,
            "diagnosis": "高血压",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ChronicRecognition.objects.exists()


def test_the_validity_shown_comes_from_the_setting(user_client, cq, english):
    from claims.models import ClaimsSettings

    english(user_client)
    page = user_client.get(reverse("claims:chronic")).content.decode()
    assert "A recognition is valid for 2 years." in page  # the seeded default
    settings = ClaimsSettings.current()
    settings.chronic_validity_years = 1
    settings.save()
    page = user_client.get(reverse("claims:chronic")).content.decode()
    assert "A recognition is valid for 1 year." in page and "2 years" not in page


def test_the_validity_setting_cannot_be_zero(admin_client, english):
    from claims.models import ClaimsSettings

    english(admin_client)
    settings = ClaimsSettings.current()
    url = reverse("admin:claims_claimssettings_change", args=[settings.pk])
    response = admin_client.post(
        url,
        {
            "chronic_validity_years": "0",
            "default_class_b_share": "10",
            "tax_threshold": "15000",
            "tax_cap": "80000",
        },
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    settings.refresh_from_db()
    assert settings.chronic_validity_years == 2
