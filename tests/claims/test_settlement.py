"""Bill settlement with hand-computed figures (C1, C2, C3, C4, C5, C6, F1, F2, F4).

Every expected figure is written as the arithmetic that gives it."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import DesignatedFacilityChoice
from claims.models import Bill, PersonYearTotals
from claims.selectors import bill_recompute
from claims.services.bills import bill_create, bill_settle
from claims.services.chronic import recognition_apply, recognition_approve
from tests.claims.factories import (
    DiseaseFactory,
    directory,
    policy,
    registration,
    settle,
)
from tests.factories import (
    FacilityFactory,
    InsuredPersonFactory,
    chengdu,
    guangzhou,
)
from tests.wallet.factories import fund, relate
from wallet.models import PoolingBinding

pytestmark = pytest.mark.django_db


def test_class_a_b_out_of_directory_and_price_limit_in_one_bill(cq):
    # Employee, tier 2 general outpatient: deductible 200 a year, 70 %, cap 2,000.
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    bill = settle(
        person,
        hospital,
        [
            ("A100", 1, "100.00"),  # class A, no limit
            ("A200", 2, "60.00"),  # class A, limit 50.00: 2 × 10.00 above it
            ("B100", 1, "200.00"),  # class B: 10 % first-pay
            ("X100", 1, "80.00"),  # out of the directory
        ],
    )
    assert bill.total == D("100.00") + 2 * D("60.00") + D("200.00") + D("80.00")  # 500.00
    assert bill.out_of_directory == D("80.00")
    assert bill.over_limit == 2 * (D("60.00") - D("50.00"))  # 20.00
    assert bill.self_pay == D("80.00") + D("20.00")  # 自费 100.00
    assert bill.class_b_first_pay == D("200.00") * D("0.10")  # 20.00
    # C2: eligible = total − out-of-directory − class-B first-pay − above limits
    assert bill.eligible == D("500.00") - D("80.00") - D("20.00") - D("20.00")  # 380.00
    assert bill.deductible == D("200.00")  # the whole yearly deductible
    assert bill.fund_paid == (D("380.00") - D("200.00")) * D("0.70")  # 126.00
    assert bill.copay == D("180.00") - D("126.00")  # 54.00
    # 自付 = deductible + class-B first-pay + co-pay
    assert bill.personal_in_directory == D("200.00") + D("20.00") + D("54.00")  # 274.00
    assert bill.personal_total == D("274.00") + D("100.00")
    assert bill.fund_paid + bill.personal_total == bill.total
    reasons = {line.code: line.reasons for line in bill.lines.all()}
    assert reasons == {"A100": [], "A200": ["C2-01"], "B100": ["C1-03"], "X100": ["C1-01"]}
    assert bill.reasons == ["C3-01"]
    assert bill.care_type == "general_outpatient" and bill.rate == D("70")


def test_deductible_is_consumed_across_several_bills(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)  # deductible 200 a year, 70 %
    first = settle(person, hospital, [("A100", 1, "80.00")])
    assert (first.deductible, first.fund_paid) == (D("80.00"), D("0.00"))
    second = settle(person, hospital, [("A100", 1, "100.00")])
    assert (second.deductible, second.fund_paid) == (D("100.00"), D("0.00"))  # 180 used
    third = settle(person, hospital, [("A100", 1, "50.00")])
    assert third.deductible == D("200.00") - D("180.00")  # 20.00 left
    assert third.fund_paid == (D("50.00") - D("20.00")) * D("0.70")  # 21.00
    fourth = settle(person, hospital, [("A100", 1, "100.00")])
    assert fourth.deductible == D("0.00")
    assert fourth.fund_paid == D("100.00") * D("0.70")  # 70.00
    totals = PersonYearTotals.objects.get(person=person, year=2026, care_type="general_outpatient")
    assert totals.deductible_used == D("200.00")
    assert totals.fund_paid == D("21.00") + D("70.00")
    assert totals.bills == 4


def test_next_year_starts_a_new_deductible(cq):
    directory(2027)
    policy(
        cq, year=2027, insurance_type="employee", rules={("general_outpatient", 2): (200, 70, 2000)}
    )
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    settle(person, hospital, [("A100", 1, "300.00")])  # 2026: deductible used up
    bill = settle(person, hospital, [("A100", 1, "300.00")], day=datetime.date(2027, 1, 5))
    assert bill.deductible == D("200.00")
    assert bill.fund_paid == (D("300.00") - D("200.00")) * D("0.70")  # 70.00


def test_annual_cap_reached_in_the_middle_of_a_bill(cq):
    # Resident, tier 1 general outpatient: 60 %, cap 300 (C4), no deductible.
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    first = settle(person, clinic, [("A100", 1, "400.00")])
    assert first.fund_paid == D("400.00") * D("0.60")  # 240.00
    second = settle(person, clinic, [("A100", 1, "200.00")])
    # 200 × 60 % = 120.00 would be due, but only 300 − 240 = 60.00 of the cap is left.
    assert second.fund_paid == D("300.00") - D("240.00")  # 60.00
    assert second.over_cap == D("120.00") - D("60.00")  # 60.00
    assert second.copay == D("200.00") - D("120.00")  # 80.00
    assert second.personal_in_directory == D("60.00") + D("80.00")
    assert "C3-02" in second.reasons
    third = settle(person, clinic, [("A100", 1, "100.00")])
    assert third.fund_paid == D("0.00")
    assert third.over_cap == D("100.00") * D("0.60")  # 60.00


def test_the_tenth_bill_of_the_year_is_right_in_constant_queries(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)  # deductible 200, 70 %, cap 2,000
    counts = []
    bills = []
    for _ in range(10):
        with CaptureQueriesContext(connection) as ctx:
            bills.append(settle(person, hospital, [("A100", 1, "50.00"), ("B100", 1, "0.00")]))
        counts.append(len(ctx.captured_queries))
    # Bills 1–4 use up the 200 deductible (4 × 50); bills 5–10 are paid at 70 %.
    assert [b.deductible for b in bills[:4]] == [D("50.00")] * 4
    assert bills[9].deductible == D("0.00")
    assert bills[9].fund_paid == D("50.00") * D("0.70")  # 35.00
    totals = PersonYearTotals.objects.get(person=person, year=2026)
    assert totals.fund_paid == 6 * D("35.00")  # 210.00
    assert counts[0] == counts[9], counts  # the 1st and the 10th bill cost the same


def test_a_settlement_costs_at_most_8_queries_whatever_the_persons_history(
    cq, django_assert_max_num_queries
):
    """Five statements on PostgreSQL (facts with the bill's lock, the running
    totals' lock, the paying accounts' lock, the payment, the settlement) plus
    the savepoint pair the test's own transaction adds: the same for a person's
    first bill as for one with years of recognitions, registrations, designated
    facilities, pooling relatives, money and bills."""
    hospital = FacilityFactory(region=cq, tier=2, wallet_payment=True)
    newcomer = InsuredPersonFactory(region=cq, insurance_type="employee")
    bill = bill_create(
        person=newcomer,
        facility=hospital,
        service_date=datetime.date(2026, 3, 1),
        visit="outpatient",
        lines=[("A100", D(1), D("300.00")), ("B100", D(2), D("50.00"))],
        entered_by=None,
    )
    with django_assert_max_num_queries(8) as first:
        bill_settle(bill=bill.pk, acting_user=None)

    veteran = InsuredPersonFactory(region=cq, insurance_type="resident")
    disease = DiseaseFactory()
    elsewhere = chengdu()
    for year in range(2020, 2027):
        recognition_approve_directly(veteran, disease, hospital, year)
        registration(
            veteran, destination=elsewhere, kind="referral", start=datetime.date(year, 2, 1)
        )
        DesignatedFacilityChoice.objects.create(
            person=veteran, facility=hospital, effective_from=datetime.date(year, 1, 1)
        )
    for _ in range(3):
        employee = InsuredPersonFactory(region=cq, insurance_type="employee")
        relate(veteran, employee, "parent")
        fund(employee, "5000.00")
        PoolingBinding.objects.create(employee=employee, relative=veteran)
    for day in range(1, 29):
        settle(veteran, hospital, [("A100", 1, "40.00")], day=datetime.date(2026, 2, day))
    bill = bill_create(
        person=veteran,
        facility=hospital,
        service_date=datetime.date(2026, 3, 2),
        visit="outpatient",
        disease=disease,
        lines=[("A100", D(1), D("300.00")), ("B100", D(2), D("50.00"))],
        entered_by=None,
    )
    with django_assert_max_num_queries(8) as rich:
        settled = bill_settle(bill=bill.pk, acting_user=None)
    assert settled.payment.pooling_amount > 0  # the richest history path was taken
    assert len(rich.captured_queries) == len(first.captured_queries) == 7


def recognition_approve_directly(person, disease, hospital, year) -> None:
    from claims.models import ChronicRecognition

    ChronicRecognition.objects.create(
        person=person,
        disease=disease,
        hospital=hospital,
        diagnosis="高血压",
        status="approved",
        valid_from=datetime.date(year, 1, 1),
        valid_until=datetime.date(year, 12, 31),
    )


def test_tertiary_outpatient_without_and_with_chronic_recognition(cq, django_user_model):
    # C4: Chongqing residents get 0 % at tertiary hospitals for general
    # outpatient care, and 40 % there with a recognised chronic disease.
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    tertiary = FacilityFactory(region=cq, tier=3, chronic_settlement=True)
    hypertension = DiseaseFactory()
    without = settle(person, tertiary, [("A100", 1, "200.00")], disease=hypertension)
    assert without.care_type == "general_outpatient"
    assert without.fund_paid == D("200.00") * D("0")  # 0.00
    assert without.copay == D("200.00")
    assert without.reasons == ["C5-02", "C3-04"]

    admin = django_user_model.objects.create_superuser("boss", "b@example.invalid", "x")
    with time_machine.travel(datetime.datetime(2026, 2, 1, 10, tzinfo=datetime.UTC)):
        recognition = recognition_apply(
            person=person,
            disease=hypertension,
            hospital=tertiary,
            diagnosis="高血压2级",
            acting_user=None,
        )
        recognition = recognition_approve(recognition=recognition, acting_user=admin)
    assert recognition.valid_until == datetime.date(2028, 1, 31)  # 2 years (setting)

    with_recognition = settle(person, tertiary, [("A100", 1, "200.00")], disease=hypertension)
    assert with_recognition.care_type == "chronic_outpatient"
    assert with_recognition.fund_paid == D("200.00") * D("0.40")  # 80.00
    assert with_recognition.reasons == ["C5-01"]
    # Only bills for the recognised disease: another bill stays general outpatient.
    other = settle(person, tertiary, [("A100", 1, "200.00")])
    assert other.fund_paid == D("0.00") and other.care_type == "general_outpatient"


def test_recognition_expires_after_its_validity(cq):
    directory(2028)
    policy(
        cq,
        year=2028,
        rules={("chronic_outpatient", 3): (0, 40, 4000), ("general_outpatient", 3): (0, 0, 300)},
    )
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    tertiary = FacilityFactory(region=cq, tier=3)
    disease = DiseaseFactory()
    recognition = recognition_apply(
        person=person, disease=disease, hospital=tertiary, diagnosis="x", acting_user=None
    )
    recognition_approve(
        recognition=recognition, acting_user=None, valid_from=datetime.date(2026, 3, 1)
    )
    last_day = settle(
        person, tertiary, [("A100", 1, "100.00")], disease=disease, day=datetime.date(2028, 2, 29)
    )
    assert last_day.fund_paid == D("40.00")  # 100 × 40 %
    expired = settle(
        person, tertiary, [("A100", 1, "100.00")], disease=disease, day=datetime.date(2028, 3, 1)
    )
    assert expired.fund_paid == D("0.00") and "C5-02" in expired.reasons


def test_non_designated_facility_is_not_reimbursed_and_the_bill_says_why(db):
    # F2: Guangdong requires residents to choose one designated outpatient facility.
    region = guangzhou()
    directory(2026)
    policy(
        region,
        rules={("general_outpatient", 1): (0, 70, 600), ("chronic_outpatient", 1): (0, 70, 6000)},
    )
    person = InsuredPersonFactory(region=region, insurance_type="resident")
    chosen = FacilityFactory(region=region, tier=1)
    other = FacilityFactory(region=region, tier=1)
    DesignatedFacilityChoice.objects.create(
        person=person, facility=chosen, effective_from=datetime.date(2026, 1, 1)
    )
    refused = settle(person, other, [("A100", 1, "100.00"), ("X100", 1, "10.00")])
    assert refused.status == Bill.Status.SETTLED  # still recorded
    assert refused.fund_paid == D("0.00")
    assert refused.not_reimbursed == D("100.00")
    assert refused.personal_total == D("110.00")
    assert refused.reasons == ["F2-01"]
    lines = {line.code: line.reasons for line in refused.lines.all()}
    assert lines == {"A100": ["F2-01"], "X100": ["C1-01"]}
    paid = settle(person, chosen, [("A100", 1, "100.00")])
    assert paid.fund_paid == D("100.00") * D("0.70")  # 70.00
    # An employee in the same region is not bound by the resident rule.
    employee = InsuredPersonFactory(region=region, insurance_type="employee")
    policy(region, insurance_type="employee", rules={("general_outpatient", 1): (0, 75, 3000)})
    assert settle(employee, other, [("A100", 1, "100.00")]).fund_paid == D("75.00")


def test_facility_outside_outpatient_pooling_pays_nothing_for_general_outpatient(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1, outpatient_pooling=False)
    bill = settle(person, clinic, [("A100", 1, "100.00")])
    assert bill.fund_paid == D("0.00") and bill.reasons == ["F1-01"]


@pytest.mark.parametrize(
    ("kind", "emergency", "rate", "code"),
    [
        ("retired_resettled", False, "40", "F4-01"),  # long-term: home rate 40 %
        ("referral", False, "30", "F4-02"),  # 40 − 10 points
        ("emergency", False, "30", "F4-02"),  # 40 − 10 points
        ("other_temporary", False, "20", "F4-03"),  # 40 − 20 points
        (None, False, "20", "F4-04"),  # no registration: as other temporary
        (None, True, "30", "F4-02"),  # emergencies count as registered
    ],
)
def test_non_local_care_uses_the_registration_kinds_rate(cq, kind, emergency, rate, code):
    # A Chongqing resident treated at a tier-2 hospital in Chengdu: Chongqing's
    # policy (40 % at tier 2), Chengdu's directory (class-B share 8 %), F4.
    elsewhere = chengdu()
    policy(elsewhere, rules={}, class_b_share="8")
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    hospital = FacilityFactory(region=elsewhere, tier=2)
    if kind:
        registration(person, destination=elsewhere, kind=kind)
    bill = settle(
        person, hospital, [("A100", 1, "100.00"), ("B100", 1, "50.00")], emergency=emergency
    )
    assert bill.rate == D(rate)
    assert bill.class_b_first_pay == D("50.00") * D("0.08")  # 4.00
    eligible = D("100.00") + D("50.00") - D("4.00")  # 146.00
    assert bill.fund_paid == (eligible * D(rate) / 100).quantize(D("0.01"))
    assert code in bill.reasons


def test_cross_province_chronic_needs_registration_and_a_flagged_facility(cq):
    elsewhere = chengdu()
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    disease = DiseaseFactory()
    home_hospital = FacilityFactory(region=cq, tier=3)
    recognition = recognition_apply(
        person=person, disease=disease, hospital=home_hospital, diagnosis="x", acting_user=None
    )
    recognition_approve(
        recognition=recognition, acting_user=None, valid_from=datetime.date(2026, 1, 1)
    )
    unflagged = FacilityFactory(region=elsewhere, tier=3, chronic_settlement=False)
    flagged = FacilityFactory(region=elsewhere, tier=3, chronic_settlement=True)
    registration(person, destination=elsewhere, kind="retired_resettled")
    no = settle(person, unflagged, [("A100", 1, "100.00")], disease=disease)
    assert no.care_type == "general_outpatient" and "C5-03" in no.reasons
    yes = settle(person, flagged, [("A100", 1, "100.00")], disease=disease)
    assert yes.care_type == "chronic_outpatient"
    assert yes.fund_paid == D("100.00") * D("0.40")  # home chronic rate at tier 3


def test_inpatient_deductible_applies_to_every_admission(cq):
    # C4: tier-2 inpatient, deductible 300 per admission, 70 %.
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    hospital = FacilityFactory(region=cq, tier=2)
    for _ in range(2):
        bill = settle(person, hospital, [("A100", 1, "1300.00")], visit="inpatient")
        assert bill.deductible == D("300.00")
        assert bill.fund_paid == (D("1300.00") - D("300.00")) * D("0.70")  # 700.00


def test_no_policy_row_means_no_reimbursement(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    pharmacy = FacilityFactory(region=cq, kind="pharmacy", tier=None)  # no employee tier-0 row
    bill = settle(person, pharmacy, [("A100", 1, "30.00")])
    assert bill.fund_paid == D("0.00") and bill.reasons == ["C3-03"]


def test_bill_uses_the_directory_version_in_force_on_its_date(cq):
    directory(2025, items={"B300": ("OUT", None)})
    policy(cq, year=2025, rules={("general_outpatient", 1): (0, 60, 300)})
    directory(2026, items={"B300": ("B", None)})
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    old = settle(person, clinic, [("B300", 1, "100.00")], day=datetime.date(2025, 12, 31))
    assert old.self_pay == D("100.00") and old.lines.get().reasons == ["C1-01"]
    new = settle(
        person, clinic, [("B300", 1, "100.00"), ("NOPE", 1, "5.00")], day=datetime.date(2026, 1, 2)
    )
    assert new.class_b_first_pay == D("10.00")  # 100 × 10 %
    assert new.fund_paid == D("90.00") * D("0.60")  # 54.00
    assert {line.code: line.reasons for line in new.lines.all()} == {
        "B300": ["C1-03"],
        "NOPE": ["C1-02"],  # not in the 2026 edition
    }


def test_rounding_is_half_up_to_the_fen(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=2)  # 40 %
    bill = settle(person, clinic, [("B100", 1, "1.25"), ("A100", D("0.333"), "10.00")])
    # class-B first-pay 1.25 × 10 % = 0.125 → 0.13; 0.333 × 10.00 = 3.33
    assert bill.class_b_first_pay == D("0.13")
    assert bill.eligible == D("1.25") - D("0.13") + D("3.33")  # 4.45
    assert bill.fund_paid == D("1.78")  # 4.45 × 40 % = 1.78
    assert bill.copay == D("4.45") - D("1.78")


def test_settlement_is_stored_with_its_inputs_and_recomputes_identically(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    settle(person, hospital, [("A100", 1, "150.00")])
    bill = settle(
        person, hospital, [("A100", 2, "60.00"), ("B200", 1, "130.00"), ("X100", 1, "9.99")]
    )
    again = bill_recompute(bill)
    assert again.fund_paid == bill.fund_paid
    assert again.personal_in_directory == bill.personal_in_directory
    assert again.self_pay == bill.self_pay
    assert bill.inputs["deductible_used"] == "150.00"  # what the previous bill used
    # Settling again changes nothing (and doesn't count the bill twice).
    assert bill_settle(bill=bill.pk, acting_user=None).fund_paid == bill.fund_paid
    assert PersonYearTotals.objects.get(person=person).bills == 2


def test_database_refuses_a_settled_bill_that_does_not_add_up(cq):
    from django.db import IntegrityError, transaction

    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("A100", 1, "300.00")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.filter(pk=bill.pk).update(fund_paid=D("1.00"))  # C6: total ≠ fund + you


def test_settled_lines_are_stored_with_their_figures(cq):
    """A settlement's lines are stored with their item, figures and reasons,
    also when a whole column is empty (every line out of the directory)."""
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    bill = settle(person, hospital, [("A200", 2, "60.00"), ("B100", 1, "200.00")])
    stored = {
        line.code: (
            line.item.code,
            line.item_class,
            line.price_limit,
            line.name,
            line.amount,
            line.self_pay,
            line.class_b_first_pay,
            line.eligible,
            line.reasons,
        )
        for line in bill.lines.select_related("item")
    }
    a200, b100 = stored["A200"], stored["B100"]
    assert a200[:3] == ("A200", "A", D("50.00")) and a200[3]
    assert a200[4:] == (D("120.00"), D("20.00"), D("0.00"), D("100.00"), ["C2-01"])
    assert b100[:3] == ("B100", "B", None)
    assert b100[4:] == (D("200.00"), D("0.00"), D("20.00"), D("180.00"), ["C1-03"])
    unknown = settle(person, hospital, [("NOPE1", 1, "80.00"), ("NOPE2", 1, "5.00")])
    rows = list(
        unknown.lines.values_list("item", "item_class", "price_limit", "self_pay", "reasons")
    )
    assert rows == [(None, "", None, D("80.00"), ["C1-02"]), (None, "", None, D("5.00"), ["C1-02"])]
