"""Out-of-pocket claims (M1–M5) and four eyes on their approval (S2): the
family's page, the reviewer's computation with the settlement's own rules,
the non-local rules, the steps and their messages, the payment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import InboxMessage, NonLocalRegistration
from claims import selectors
from claims.models import PersonYearTotals, ReimbursementClaim, ReimbursementLine
from claims.services import reimbursement as services
from tests.claims.factories import registration
from tests.factories import FacilityFactory, InsuredPersonFactory, UserFactory, chengdu

D = Decimal
DAY = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _private_documents(settings, tmp_path):
    """Claim documents go to a temporary private folder (M1)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "claims_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def pdf(name="invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 invoice", "application/pdf")


def photo(name="list.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 list", "image/jpeg")


@pytest.fixture
def family(cq, user):
    me = InsuredPersonFactory(region=cq, insurance_type="resident", user=user, name="李华")
    hospital = FacilityFactory(region=cq, tier=1)
    return {"me": me, "hospital": hospital}


@pytest.fixture
def reviewer():
    return UserFactory(username="reviewer", is_staff=True)


@pytest.fixture
def second():
    return UserFactory(username="second", is_staff=True)


def file_claim(client, person, facility, **extra) -> ReimbursementClaim:
    data = {
        "person": person.pk,
        "facility": facility.pk,
        "visit": "outpatient",
        "why": "not_connected",
        "care_from": DAY.isoformat(),
        "care_until": DAY.isoformat(),
        "amount_paid": "400.00",
        "bank_name": "中国银行",
        "bank_account": "6217 0000 1234 5678",
        "account_holder": person.name,
        "invoices": [pdf()],
        "expense_lists": [photo(), pdf("list2.pdf")],
        **extra,
    }
    response = client.post("/claims/reimbursements/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ReimbursementClaim.objects.latest("pk")


def add_lines(claim, lines):
    for code, quantity, price in lines:
        ReimbursementLine.objects.create(
            claim=claim, code=code, quantity=D(str(quantity)), unit_price=D(price)
        )


def test_a_claim_walks_from_submitted_to_paid_and_the_family_hears_each_step(
    family, user_client, reviewer, django_capture_on_commit_callbacks
):
    """M1, M2, M3, M5: the family files, a reviewer computes and approves,
    finance pays; the family's page and messages follow every step."""
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_claim(user_client, family["me"], family["hospital"])
    assert claim.status == "submitted"
    assert claim.documents.count() == 3
    page = user_client.get(claim.get_absolute_url()).content.decode()
    assert "已提交" in page or "submitted" in page
    assert "**** 5678" in page and "6217" not in page  # M5: masked

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_review_start(claim=claim, acting_user=reviewer)
        add_lines(claim, [("A100", 1, "300.00"), ("X100", 1, "100.00")])
        services.claim_compute(claim=claim, acting_user=reviewer)
        claim = services.claim_approve(claim=claim, acting_user=reviewer)
    # M3 as C3: tier 1 general outpatient 60 % of the class-A 300.00.
    assert claim.status == "approved"
    assert claim.payable == D("180.00")
    assert claim.self_pay == D("100.00")
    totals = PersonYearTotals.objects.get(person=family["me"], year=2026)
    assert totals.fund_paid == D("180.00")  # M3: counts in the cap like a bill

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_pay(claim=claim, acting_user=reviewer, reference="BOC-20261107-01")
    claim.refresh_from_db()
    assert claim.status == "paid"
    texts = [m.text for m in InboxMessage.objects.filter(user=family["me"].user)]
    assert len(texts) == 4  # submitted, under review, approved, paid (M2)
    assert any("¥180.00" in text and "**** 5678" in text for text in texts)
    page = user_client.get(claim.get_absolute_url()).content.decode()
    assert "BOC-20261107-01" in page and "¥180.00" in page


def test_the_payment_is_the_settlement_of_the_same_lines(family, user_client, reviewer):
    """M3: the claim pays what a bill with these lines would (the estimate
    reuses the settlement), class B share and price limit included."""
    claim = file_claim(user_client, family["me"], family["hospital"])
    lines = [("A200", 2, "60.00"), ("B100", 3, "20.00"), ("X100", 1, "9.00")]
    add_lines(claim, lines)
    claim = services.claim_compute(claim=claim, acting_user=reviewer)
    scenario = selectors.estimate(
        person=family["me"],
        facility=family["hospital"],
        day=DAY,
        visit="outpatient",
        lines=[(c, D(str(q)), D(p)) for c, q, p in lines],
    )[0]
    assert claim.payable == scenario.result.fund_paid
    assert claim.self_pay == scenario.result.self_pay


def test_an_unregistered_non_local_visit_loses_a_further_ten_points(family, user_client, reviewer):
    """M4: the other-temporary rate (F4: 20 points off) less 10 more; an
    emergency counts as registered (F4: 10 points off) and loses nothing more."""
    away = FacilityFactory(region=chengdu(), tier=1)
    claim = file_claim(user_client, family["me"], away, why="not_registered")
    add_lines(claim, [("A100", 1, "100.00")])
    claim = services.claim_compute(claim=claim, acting_user=reviewer)
    assert claim.rate == D("30")  # 60 - 20 - 10
    assert claim.payable == D("30.00")
    assert "M4-01" in claim.reasons

    emergency = file_claim(user_client, family["me"], away, why="emergency")
    add_lines(emergency, [("A100", 1, "100.00")])
    emergency = services.claim_compute(claim=emergency, acting_user=reviewer)
    assert emergency.rate == D("50")
    assert "M4-01" not in emergency.reasons


def test_a_registered_non_local_visit_keeps_the_f4_rate(family, user_client, reviewer):
    away = FacilityFactory(region=chengdu(), tier=1)
    registration(
        family["me"], destination=chengdu(), kind=NonLocalRegistration.Kind.LONG_TERM_RESIDENT
    )
    claim = file_claim(user_client, family["me"], away, why="not_connected")
    add_lines(claim, [("A100", 1, "100.00")])
    claim = services.claim_compute(claim=claim, acting_user=reviewer)
    assert claim.rate == D("60")  # F4: long-term registration, home rates


def test_four_eyes_above_the_amount_and_nobody_approves_their_own(
    family, user_client, user, reviewer, second, settings
):
    """S2: above FOUR_EYES_AMOUNT the first approval prepares, the same person
    cannot give the second, another member of staff can; the one who filed the
    claim never approves it."""
    settings.FOUR_EYES_AMOUNT = "100.00"
    claim = file_claim(user_client, family["me"], family["hospital"])
    services.claim_review_start(claim=claim, acting_user=reviewer)
    add_lines(claim, [("A100", 1, "300.00")])  # the fund pays 180.00 > 100.00
    user.is_staff = True
    user.save()
    with pytest.raises(PermissionDenied):
        services.claim_approve(claim=claim, acting_user=user)  # their own claim

    claim = services.claim_approve(claim=claim, acting_user=reviewer)
    assert claim.status == "under_review" and claim.prepared_by == reviewer
    with pytest.raises(PermissionDenied):
        services.claim_approve(claim=claim, acting_user=reviewer)
    claim = services.claim_approve(claim=claim, acting_user=second)
    assert claim.status == "approved"
    assert claim.prepared_by == reviewer and claim.approved_by == second


def test_below_the_amount_one_approval_is_enough(family, user_client, reviewer, settings):
    settings.FOUR_EYES_AMOUNT = "5000.00"
    claim = file_claim(user_client, family["me"], family["hospital"])
    services.claim_review_start(claim=claim, acting_user=reviewer)
    add_lines(claim, [("A100", 1, "300.00")])
    assert services.claim_approve(claim=claim, acting_user=reviewer).status == "approved"


def test_refusal_needs_a_plain_reason_the_family_reads(family, user_client, reviewer):
    """M2: a refusal without a reason is refused; with one, the family reads it."""
    claim = file_claim(user_client, family["me"], family["hospital"])
    with pytest.raises(ValidationError) as refused:
        services.claim_refuse(claim=claim, acting_user=reviewer, reason="  ")
    assert refused.value.code == "M2-02"
    services.claim_refuse(claim=claim, acting_user=reviewer, reason="发票不清晰，请重新上传")
    page = user_client.get(claim.get_absolute_url()).content.decode()
    assert "发票不清晰，请重新上传" in page
    with pytest.raises(ValidationError) as again:
        services.claim_review_start(claim=claim, acting_user=reviewer)
    assert again.value.code == "M2-01"  # nothing goes back a step


def test_approval_needs_lines_and_a_payment_reference_is_used_once(family, user_client, reviewer):
    """M3: no lines, no approval. M5: a bank reference pays one claim only."""
    first = file_claim(user_client, family["me"], family["hospital"])
    services.claim_review_start(claim=first, acting_user=reviewer)
    with pytest.raises(ValidationError) as empty:
        services.claim_approve(claim=first, acting_user=reviewer)
    assert empty.value.code == "M3-01"
    add_lines(first, [("A100", 1, "10.00")])
    services.claim_approve(claim=first, acting_user=reviewer)
    services.claim_pay(claim=first, acting_user=reviewer, reference="REF-1")

    other = file_claim(user_client, family["me"], family["hospital"])
    services.claim_review_start(claim=other, acting_user=reviewer)
    add_lines(other, [("A100", 1, "10.00")])
    services.claim_approve(claim=other, acting_user=reviewer)
    with pytest.raises(ValidationError) as twice:
        services.claim_pay(claim=other, acting_user=reviewer, reference="REF-1")
    assert twice.value.code == "M5-02"
    with pytest.raises(ValidationError) as blank:
        services.claim_pay(claim=other, acting_user=reviewer, reference="")
    assert blank.value.code == "M5-01"


def test_documents_are_checked_by_content_and_required(family, user_client):
    """M1: a text file named .pdf is refused; a claim needs an invoice."""
    data = {
        "person": family["me"].pk,
        "facility": family["hospital"].pk,
        "visit": "outpatient",
        "why": "not_connected",
        "care_from": DAY.isoformat(),
        "care_until": DAY.isoformat(),
        "amount_paid": "400.00",
        "bank_name": "中国银行",
        "bank_account": "6217000012345678",
        "account_holder": "李华",
        "invoices": [SimpleUploadedFile("invoice.pdf", b"just text", "application/pdf")],
        "expense_lists": [photo()],
    }
    response = user_client.post("/claims/reimbursements/new/", data)
    assert response.status_code == 200
    assert not ReimbursementClaim.objects.exists()
    del data["invoices"]
    response = user_client.post("/claims/reimbursements/new/", data)
    assert response.status_code == 200
    assert not ReimbursementClaim.objects.exists()


def test_future_care_and_dates_out_of_order_are_refused(family, user_client):
    """M1: no claim for care that has not happened, nor ending before it starts."""
    base = {
        "person": family["me"].pk,
        "facility": family["hospital"].pk,
        "visit": "outpatient",
        "why": "not_connected",
        "amount_paid": "10.00",
        "bank_name": "中国银行",
        "bank_account": "6217000012345678",
        "account_holder": "李华",
    }
    for start, end in [("2099-01-01", "2099-01-02"), ("2026-11-02", "2026-11-01")]:
        response = user_client.post(
            "/claims/reimbursements/new/",
            {
                **base,
                "care_from": start,
                "care_until": end,
                "invoices": [pdf()],
                "expense_lists": [photo()],
            },  # fmt: skip
        )
        assert response.status_code == 200
    assert not ReimbursementClaim.objects.exists()


def test_nobody_outside_the_family_sees_a_claim_or_its_documents(family, user_client):
    """M1, A3: another login gets 404 for the claim and its documents."""
    from django.test import Client

    claim = file_claim(user_client, family["me"], family["hospital"])
    document = claim.documents.get(kind="invoice")
    own = user_client.get(f"/claims/reimbursements/{claim.pk}/documents/{document.pk}/")
    assert own.status_code == 200
    assert b"".join(own.streaming_content).startswith(b"%PDF")
    assert "invoice" not in document.file.name  # stored under a random name (M1)
    stranger = Client()
    stranger.force_login(UserFactory(username="stranger"))
    assert stranger.get(claim.get_absolute_url()).status_code == 404
    url = f"/claims/reimbursements/{claim.pk}/documents/{document.pk}/"
    assert stranger.get(url).status_code == 404
    assert user_client.get("/claims/reimbursements/").status_code == 200


def test_the_claim_list_only_offers_the_familys_people(family, user_client):
    other = InsuredPersonFactory(region=family["me"].region, name="陌生人")
    page = user_client.get("/claims/reimbursements/new/").content.decode()
    assert "李华" in page and "陌生人" not in page
    data = {"person": other.pk}
    assert user_client.post("/claims/reimbursements/new/", data).status_code == 200


def test_the_claims_list_costs_the_same_queries_for_one_claim_or_many(
    family, user_client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    file_claim(user_client, family["me"], family["hospital"])
    with CaptureQueriesContext(connection) as one:
        user_client.get("/claims/reimbursements/")
    count = len(one)  # now: the next request clears the connection's log
    for _ in range(4):
        file_claim(user_client, family["me"], family["hospital"])
    with django_assert_num_queries(count):
        page = user_client.get("/claims/reimbursements/").content.decode()
    assert page.count('href="/claims/reimbursements/') >= 5


def test_the_further_reduction_is_a_setting(family, user_client, reviewer):
    """M4: the further points come from the claims settings row, not the code."""
    from claims.models import ClaimsSettings

    row = ClaimsSettings.current()
    row.unregistered_claim_reduction = D("15")
    row.save()
    away = FacilityFactory(region=chengdu(), tier=1)
    claim = file_claim(user_client, family["me"], away, why="not_registered")
    add_lines(claim, [("A100", 1, "100.00")])
    claim = services.claim_compute(claim=claim, acting_user=reviewer)
    assert claim.rate == D("25")  # 60 - 20 - 15
