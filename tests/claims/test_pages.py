"""The claims pages as a family sees them: bills, detail, estimate, summary with
exports, facility search, chronic applications — and 404 for other families."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import DependentBinding
from claims.models import ChronicRecognition
from claims.services.chronic import recognition_apply, recognition_approve
from core.pdf import cjk_font
from tests.claims.factories import DiseaseFactory, policy, settle
from tests.factories import FacilityFactory, InsuredPersonFactory, chengdu, guangzhou, plain

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(cq, user):
    me = InsuredPersonFactory(region=cq, insurance_type="employee", user=user)
    parent = InsuredPersonFactory(
        region=cq, insurance_type="resident", born=datetime.date(1955, 2, 2)
    )
    DependentBinding.objects.create(user=user, person=parent, relation="parent", status="active")
    hospital = FacilityFactory(region=cq, tier=2, name="重庆市第五人民医院")
    tertiary = FacilityFactory(
        region=cq, tier=3, name="重庆医科大学附属第一医院", chronic_settlement=True
    )
    bill = settle(
        parent,
        hospital,
        [("A100", 1, "100.00"), ("X100", 1, "30.00")],
        day=datetime.date(2026, 5, 2),
    )
    return {"me": me, "parent": parent, "hospital": hospital, "tertiary": tertiary, "bill": bill}


@pytest.fixture
def stranger_client(db, django_user_model):
    other = django_user_model.objects.create_user("stranger", password="x-Pass-2026")
    client = Client()
    client.force_login(other)
    return client


def test_family_page_shows_this_years_costs_in_constant_queries(
    user_client, family, cq, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.selectors import family_members
    from claims.selectors import family_cards

    with CaptureQueriesContext(connection) as before:
        html = user_client.get("/").content.decode()
    assert "130.00" in html  # the parent's bill: 100 + 30
    assert reverse("claims:bills") + f"?person={family['parent'].pk}" in html
    # More dependents and bills cost no more queries, on the page or in the selector.
    for _ in range(3):
        relative = InsuredPersonFactory(region=cq, insurance_type="resident")
        DependentBinding.objects.create(
            user=family["me"].user, person=relative, relation="sibling", status="active"
        )
        settle(relative, family["hospital"], [("A100", 1, "10.00")], day=datetime.date(2026, 5, 3))
    with CaptureQueriesContext(connection) as after:
        assert user_client.get("/").status_code == 200
    assert len(after) == len(before)
    members = family_members(user=family["me"].user)
    # This year at a glance (totals, running totals, policy rules: one
    # statement) and the chronic recognitions in force.
    with django_assert_num_queries(2):
        cards = family_cards(persons=members)
    assert len(cards) == 5


def test_bill_list_and_detail_show_the_breakdown_and_reason_codes(
    user_client, family, english, django_assert_max_num_queries
):
    english(user_client)
    with django_assert_max_num_queries(10):
        listing = user_client.get(reverse("claims:bills"), {"year": 2026})
    assert family["bill"].get_absolute_url() in listing.content.decode()
    with django_assert_max_num_queries(10):
        detail = user_client.get(family["bill"].get_absolute_url()).content.decode()
    # Resident tier 2: 40 % of 100.00 = 40.00; 30.00 out of the directory.
    assert "40.00" in detail and "90.00" in detail  # fund; you pay 60 + 30
    # Families read sentences; the reason codes stay with the administrators.
    assert "C1-01" not in detail and "Out of the directory" in detail
    assert "What commercial insurance would pay" in detail  # T3's comparison


def test_bill_list_partial_for_htmx(user_client, family):
    response = user_client.get(
        reverse("claims:bills"), {"person": family["parent"].pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="bill-list">')
    assert "<html" not in html


def test_other_families_bills_and_summaries_answer_404(stranger_client, family):
    parent, bill = family["parent"], family["bill"]
    assert stranger_client.get(bill.get_absolute_url()).status_code == 404
    assert (
        stranger_client.get(reverse("claims:summary_pdf", args=[parent.pk, 2026])).status_code
        == 404
    )
    assert (
        stranger_client.get(reverse("claims:summary_csv", args=[parent.pk, 2026])).status_code
        == 404
    )
    assert stranger_client.get(reverse("claims:bills"), {"person": parent.pk}).status_code == 404
    assert (
        stranger_client.get(reverse("claims:facilities"), {"person": parent.pk}).status_code == 404
    )
    assert str(bill.reference) not in stranger_client.get(reverse("claims:bills")).content.decode()


def test_ended_binding_closes_the_bills(user_client, family):
    DependentBinding.objects.filter(person=family["parent"]).update(status="ended")
    assert user_client.get(family["bill"].get_absolute_url()).status_code == 404


def test_estimate_shows_what_a_chronic_recognition_would_change(
    user_client, family, english, django_assert_max_num_queries
):
    english(user_client)
    disease = DiseaseFactory()
    query = {
        "person": family["parent"].pk,
        "facility": family["tertiary"].pk,
        "visit": "outpatient",
        "disease": disease.pk,
        "day": "2026-06-01",
        "line-TOTAL_FORMS": "2",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
        "line-0-quantity": "2",
        "line-0-unit_price": "100.00",
        "line-1-code": "B100",
        "line-1-quantity": "1",
        "line-1-unit_price": "",  # the typical price, 10.00
    }
    # The settlement's reads for each "what if", plus the form's choices.
    with django_assert_max_num_queries(25):
        response = user_client.get(reverse("claims:estimate"), query, HTTP_HX_REQUEST="true")
    scenarios = response.context["scenarios"]
    actual, chronic = scenarios[0].result, scenarios[1].result
    # 2 × 100 + 10 = 210; class B first-pay 10 % of 10 = 1.00; eligible 209.00
    assert actual.total == D("210.00")
    assert actual.fund_paid == D("0.00")  # tier 3 general outpatient: 0 % (C4)
    assert chronic.fund_paid == D("209.00") * D("0.40")  # 83.60
    assert scenarios[1].key == "chronic"
    html = response.content.decode()
    assert "With a chronic-disease recognition" in html and "(C5)" not in html
    assert html.lstrip().startswith('<div id="estimate-body">') and "<html" not in html
    # Nothing was written.
    assert not ChronicRecognition.objects.exists()


def test_estimate_shows_what_a_designated_facility_would_change_in_words(
    cq, user_client, user, english
):
    """F2: a Guangdong resident at a facility that is not their designated one
    sees the "what if" row as a sentence; the rule id is for administrators."""
    region = guangzhou()
    policy(region, rules={("general_outpatient", 1): (0, 70, 600)})
    parent = InsuredPersonFactory(region=region, insurance_type="resident")
    DependentBinding.objects.create(user=user, person=parent, relation="parent", status="active")
    clinic = FacilityFactory(region=region, tier=1)
    query = {
        "person": parent.pk,
        "facility": clinic.pk,
        "visit": "outpatient",
        "day": "2026-06-01",
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
        "line-0-quantity": "1",
        "line-0-unit_price": "100.00",
    }
    response = english(user_client).get(reverse("claims:estimate"), query)
    by_key = {s.key: s.result.fund_paid for s in response.context["scenarios"]}
    assert by_key == {"actual": D("0.00"), "designated": D("70.00")}
    html = response.content.decode()
    assert "If this were your designated outpatient facility" in html and "(F2)" not in html


def test_estimate_non_local_lists_the_registration_kinds(user_client, family):
    elsewhere = chengdu()
    hospital = FacilityFactory(region=elsewhere, tier=2)
    query = {
        "person": family["parent"].pk,
        "facility": hospital.pk,
        "visit": "outpatient",
        "day": "2026-06-01",
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
        "line-0-quantity": "1",
        "line-0-unit_price": "100.00",
    }
    response = user_client.get(reverse("claims:estimate"), query)
    by_key = {s.key: s.result.fund_paid for s in response.context["scenarios"]}
    assert by_key["actual"] == D("20.00")  # no registration: 40 − 20 points
    assert by_key["reg_long_term_resident"] == D("40.00")  # home rate
    assert by_key["reg_referral"] == D("30.00")  # 40 − 10 points


def test_estimate_refuses_other_families_persons(stranger_client, family):
    query = {
        "person": family["parent"].pk,
        "facility": family["hospital"].pk,
        "visit": "outpatient",
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
    }
    response = stranger_client.get(reverse("claims:estimate"), query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "What you would pay" not in html and "What you would pay" not in html
    assert 'class="field has-error"' in html  # the error shows next to the patient field


def test_summary_page_and_exports(user_client, family, english, django_assert_max_num_queries):
    english(user_client)
    with django_assert_max_num_queries(15):
        html = user_client.get(reverse("claims:summary"), {"year": 2026}).content.decode()
    assert f'id="summary-{family["parent"].pk}"' in html
    assert "Not for parents" in html
    assert "<svg" in html and "Monthly medical costs" in html
    csv_response = user_client.get(reverse("claims:summary_csv", args=[family["parent"].pk, 2026]))
    text = csv_response.content.decode("utf-8-sig")
    assert family["bill"].reference in text
    assert "130.00" in text and family["parent"].masked_id in text
    assert family["parent"].national_id not in text
    pdf = user_client.get(reverse("claims:summary_pdf", args=[family["parent"].pk, 2026]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert cjk_font().encode() in pdf.content  # the CJK font, so Chinese renders


def test_facility_search_by_flags_and_family_member(
    user_client, family, cq, django_assert_max_num_queries
):
    FacilityFactory(region=cq, tier=3, name="无钱包医院", wallet_payment=False)
    elsewhere = chengdu()
    FacilityFactory(region=elsewhere, tier=3, name="成都慢病医院", chronic_settlement=True)
    # A first visit searches where the user gets care (their record, registration).
    with django_assert_max_num_queries(11):
        user_client.get(reverse("claims:facilities"))
    response = user_client.get(
        reverse("claims:facilities"), {"region": cq.pk, "flags": ["wallet_payment"]}
    )
    names = [f.name for f in response.context["results"]]
    assert "重庆市第五人民医院" in names and "无钱包医院" not in names
    # Picking the parent fills in their region (here: their registration's destination).
    from tests.claims.factories import registration

    registration(family["parent"], destination=elsewhere, kind="retired_resettled")
    response = user_client.get(
        reverse("claims:facilities"),
        {"person": family["parent"].pk, "fill": "person", "flags": ["chronic_settlement"]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search">')
    assert f'<option value="{elsewhere.pk}" selected>' in html
    assert "成都慢病医院" in html and "重庆市第五人民医院" not in html


def test_apply_for_a_chronic_recognition_for_a_dependent(
    user_client, family, english, django_assert_max_num_queries
):
    english(user_client)
    disease = DiseaseFactory()
    data = {
        "person": family["parent"].pk,
        "disease": disease.pk,
        "hospital": family["tertiary"].pk,
        "diagnosis": "原发性高血压 2级",
    }
    response = user_client.post(reverse("claims:chronic"), data)
    assert response.status_code == 302
    recognition = ChronicRecognition.objects.get()
    assert recognition.status == "pending" and recognition.person == family["parent"]
    again = user_client.post(reverse("claims:chronic"), data)
    assert again.status_code == 200
    assert "already waiting for review" in again.content.decode()
    assert 'value="原发性高血压 2级"' in again.content.decode()  # nothing typed is lost
    recognition_approve(recognition=recognition, acting_user=None)
    with django_assert_max_num_queries(10):
        html = user_client.get(reverse("claims:chronic")).content.decode()
    assert "approved" in html


def test_cannot_apply_for_another_familys_person(stranger_client, family):
    disease = DiseaseFactory()
    response = stranger_client.post(
        reverse("claims:chronic"),
        {
            "person": family["parent"].pk,
            "disease": disease.pk,
            "hospital": family["tertiary"].pk,
            "diagnosis": "x",
        },
    )
    assert response.status_code == 200
    assert not ChronicRecognition.objects.exists()


def test_pages_need_a_login(client):
    for name in (
        "claims:bills",
        "claims:estimate",
        "claims:summary",
        "claims:facilities",
        "claims:chronic",
        "claims:reimbursements",
        "claims:reimbursement_new",
        "claims:directory",
    ):
        assert client.get(reverse(name)).status_code == 302


def test_recognition_shows_on_the_family_card(user_client, family):
    disease = DiseaseFactory()
    r = recognition_apply(
        person=family["parent"],
        disease=disease,
        hospital=family["tertiary"],
        diagnosis="x",
        acting_user=None,
    )
    recognition_approve(recognition=r, acting_user=None)
    assert "高血压" in user_client.get("/").content.decode()


def test_estimate_starts_with_the_user_as_patient_and_labelled_lines(user_client, family, english):
    html = english(user_client).get(reverse("claims:estimate")).content.decode()
    assert f'<option value="{family["me"].pk}" selected>' in html
    assert '<label for="id_line-0-code">' in html and '<label for="id_line-0-unit_price">' in html
    assert "---------" not in html and "Choose a hospital or pharmacy" in html
    # "Estimate for" a relative, from their card.
    html = user_client.get(
        reverse("claims:estimate"), {"for": family["parent"].pk}
    ).content.decode()
    assert f'<option value="{family["parent"].pk}" selected>' in html


def test_facility_search_starts_in_the_users_own_region(user_client, family, cq):
    FacilityFactory(region=chengdu(), tier=3, name="成都医院")
    response = user_client.get(reverse("claims:facilities"))
    names = [f.name for f in response.context["results"]]
    assert "重庆市第五人民医院" in names and "成都医院" not in names
    assert f'<option value="{cq.pk}" selected>' in response.content.decode()


def test_the_tax_deduction_is_explained_in_words(user_client, family, english):
    english(user_client)
    html = plain(user_client.get(reverse("claims:summary"), {"year": 2026}).content.decode())
    name = family["parent"].name
    assert f"{name} paid ¥60.00 within the directory in 2026." in html
    assert "so there is no deduction for 2026" in html
    assert "min(max(" not in html and "(T2)" not in html


def test_each_card_shows_this_year_at_a_glance_from_the_running_totals(
    user_client, family, english
):
    """The parent's 130.00 bill (tier 2): the fund paid 40.00 of the 300.00 general
    outpatient cap; the employee's 200.00 yearly deductible is untouched; the
    inpatient deductible is per stay (100–800 by tier), so nothing is 'left'."""
    me = family["me"]
    settle(me, family["hospital"], [("A100", 1, "150.00")], day=datetime.date(2026, 5, 3))
    html = plain(english(user_client).get("/").content.decode())
    parent_card = html.split(f'id="person-{family["parent"].pk}"')[1]
    assert "2026 at a glance" in parent_card and "(1 bill settled)" in parent_card
    assert "the fund can still pay ¥260.00 this year (cap ¥300.00)" in parent_card
    assert "deductible ¥100.00–¥800.00 each time" in parent_card
    my_card = html.split(f'id="person-{me.pk}"')[1].split('id="person-')[0]
    # 150.00 at tier 2: the 200.00 yearly deductible takes it all; nothing paid.
    assert "deductible used ¥150.00, ¥50.00 left" in my_card
    assert "the fund can still pay ¥2,000.00 this year (cap ¥2,000.00)" in my_card
    # The family's year, in one sentence.
    assert "This year the family's 2 settled bills came to ¥280.00" in html
    # Cards are drawn once per set of figures ({% memo %}): another bill is new figures.
    settle(me, family["hospital"], [("A100", 1, "20.00")], day=datetime.date(2026, 5, 4))
    html = plain(user_client.get("/").content.decode())
    my_card = html.split(f'id="person-{me.pk}"')[1].split('id="person-')[0]
    assert "(2 bills settled)" in my_card and "deductible used ¥170.00, ¥30.00 left" in my_card


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_one_money_format_on_every_card_of_the_family_page(cq, user, user_client, language):
    """The wallet's card printed 12345.60 (in Chinese) and the claims card
    ¥12,345.60 on the same page: both print through core.money.yuan now."""
    from tests.wallet.factories import fund

    person = InsuredPersonFactory(region=cq, insurance_type="employee", user=user)
    fund(person, "24691.20")
    with time_machine.travel("2026-06-01 10:00 +08:00", tick=False):
        settle(person, FacilityFactory(region=cq, tier=2), [("X100", 1, "12345.60")])
        user_client.cookies["django_language"] = language
        html = user_client.get("/").content.decode()
    wallet_card = html[html.index('class="facts money"') :]
    claims_card = html[html.index('class="claims-card"') :]
    assert "¥12,345.60" in wallet_card.split("</dl>")[0]  # the personal account left
    assert claims_card.split("</dl>")[0].count("¥12,345.60") == 2  # total, paid personally
    assert "12345.60" not in html and "¥¥" not in html


@pytest.fixture
def big_directory(cq):
    """The 2026 directory with 3,000 more items (a real one has tens of thousands)."""
    from claims.models import DirectoryItem, DirectoryVersion

    version = DirectoryVersion.objects.get(effective_from=datetime.date(2026, 1, 1))
    DirectoryItem.objects.bulk_create(
        DirectoryItem(
            version=version,
            code=f"Z{n:05d}",
            name=f"目录药品{n}",
            kind="drug",
            item_class="B" if n % 2 else "A",
            typical_price=D("12.00"),
        )
        for n in range(3000)
    )
    return version


def test_the_estimate_page_costs_at_most_15_queries_whatever_the_directory(
    user_client, family, big_directory, english, django_assert_max_num_queries
):
    """The page never carries the directory (the item picker searches as you
    type): the empty form and an estimate with every "what if" stay within 15
    queries with 3,000 items or 3 million."""
    english(user_client)
    with django_assert_max_num_queries(15):
        page = user_client.get(reverse("claims:estimate"))
    html = page.content.decode()
    assert "目录药品17" not in html and 'id="directory-items"' in html
    query = {
        "person": family["parent"].pk,
        "facility": family["tertiary"].pk,
        "visit": "outpatient",
        "disease": DiseaseFactory().pk,
        "day": "2026-06-01",
        "line-TOTAL_FORMS": "3",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
        "line-0-quantity": "2",
        "line-0-unit_price": "100.00",
        "line-1-code": "Z00017",
        "line-1-quantity": "1",
        "line-1-unit_price": "",  # the typical price
        "line-2-code": "B100",
        "line-2-quantity": "1",
    }
    with django_assert_max_num_queries(15):
        response = user_client.get(reverse("claims:estimate"), query)
    scenarios = response.context["scenarios"]
    # 2 × 100 + 12 (typical) + 10 (typical)
    assert scenarios[0].result.total == D("222.00")
    assert {s.key for s in scenarios} >= {"actual", "chronic"}
    assert "目录药品1 (" not in response.content.decode()  # no picker options drawn


def test_the_item_picker_suggests_matching_items_as_you_type(
    user_client, family, big_directory, english, django_assert_max_num_queries
):
    english(user_client)
    url = reverse("claims:directory_search")
    # htmx sends the typed field under its own name and says which one it is.
    with django_assert_max_num_queries(3):
        response = user_client.get(
            url,
            {"line-1-code": "z00"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="line-1-code",
        )
    options = response.content.decode()
    assert options.count("<option") == 20  # at most 20, codes in order
    assert '<option value="Z00010">目录药品10 (Class A)</option>' in options
    by_name = user_client.get(
        url, {"line-0-code": "药品2999"}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME="line-0-code"
    ).content.decode()
    assert by_name.count("<option") == 1 and 'value="Z02999"' in by_name
    assert user_client.get(url, {"q": "  "}).content.decode().strip() == ""


def test_every_estimate_line_input_has_a_label_and_searches_with_htmx(user_client, family):
    html = user_client.get(reverse("claims:estimate")).content.decode()
    for n in range(4):
        for field in ("code", "quantity", "unit_price"):
            assert f'<label for="id_line-{n}-{field}">' in html
    assert html.count(f'hx-get="{reverse("claims:directory_search")}"') == 4
    assert "<script>" not in html.split("</head>")[1]  # no inline script in the page body


def test_the_estimate_stays_within_15_queries_on_its_longest_path(
    user, user_client, cq, big_directory, django_assert_max_num_queries
):
    """Every rule that reads something: a Guangdong resident (F2: designated
    facility), treated in another province (F4, C5 cross-province list) under a
    registration, for a recognised chronic disease."""
    from accounts.models import DesignatedFacilityChoice
    from tests.claims.factories import CHONGQING_RESIDENT, policy, registration
    from tests.factories import guangzhou

    gz = guangzhou()
    policy(gz, rules=CHONGQING_RESIDENT)
    me = InsuredPersonFactory(region=gz, insurance_type="resident", user=user)
    home_clinic = FacilityFactory(region=gz, tier=1)
    DesignatedFacilityChoice.objects.create(
        person=me, facility=home_clinic, effective_from=datetime.date(2026, 1, 1)
    )
    registration(me, destination=cq, kind="referral")
    disease = DiseaseFactory()
    ChronicRecognition.objects.create(
        person=me,
        disease=disease,
        hospital=home_clinic,
        diagnosis="x",
        status="approved",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
    )
    there = FacilityFactory(region=cq, tier=2, chronic_settlement=True)
    query = {
        "person": me.pk,
        "facility": there.pk,
        "visit": "outpatient",
        "disease": disease.pk,
        "day": "2026-06-01",
        "line-TOTAL_FORMS": "2",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
        "line-0-quantity": "2",
        "line-1-code": "Z00001",
    }
    with django_assert_max_num_queries(15):
        response = user_client.get(reverse("claims:estimate"), query)
    keys = {s.key for s in response.context["scenarios"]}
    assert {"actual", "no_chronic", "reg_long_term_resident"} <= keys
