"""Refunds and reversals of settled bills (退费 / 冲正, RULES.md R1–R6): the
settlement reversed whole and what remains settled again, each channel getting
back what it paid, once per refund reference, four eyes above the threshold,
and everything that reads a bill following."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import InboxMessage
from claims.models import Bill, PersonYearTotals, Refund
from claims.selectors.summary import annual_summary
from claims.services.bills import bill_create
from claims.services.refunds import bill_refund, refund_approve
from core.reasons import Refusal
from tests.claims.factories import settle
from tests.factories import FacilityFactory, InsuredPersonFactory
from tests.wallet.factories import bind_dependent, fund, relate
from wallet import statements
from wallet.models import AccountKind, LedgerAccount, MovementKind
from wallet.selectors import ledger_problems
from wallet.services.ledger import lock_accounts, person_account, post_pair, system_account_id
from wallet.services.pooling import pooling_bind
from wallet.services.wallets import wallet_open

pytestmark = pytest.mark.django_db


def staff(username: str):
    return get_user_model().objects.create_user(
        username=username, password="Secr3t-pass!", is_staff=True
    )


def fill_wallet(person, amount) -> None:
    account = person_account(person=person, kind=AccountKind.WALLET)
    source = system_account_id(kind=AccountKind.CONTRIBUTIONS)
    with transaction.atomic():
        lock_accounts([account.pk, source])
        post_pair(
            kind=MovementKind.CONTRIBUTION,
            out_of=source,
            into=account.pk,
            amount=D(amount),
            ref="test:wallet",
        )


def balance(person, kind) -> D:
    return LedgerAccount.objects.get(person=person, kind=kind).balance


@pytest.fixture
def pooled_family(cq, user):
    """A resident child paid for by her wallet (50.00) and her father's pooled
    personal account (1,000.00), at a clinic that takes wallet payment."""
    employee = InsuredPersonFactory(
        region=cq, insurance_type="employee", born=datetime.date(1985, 1, 1), user=user
    )
    child = InsuredPersonFactory(
        region=cq, insurance_type="resident", born=datetime.date(2018, 1, 1)
    )
    relate(employee, child, "parent")
    bind_dependent(user, child, "child")
    fund(employee, "1000.00")
    pooling_bind(employee=employee, relative=child, acting_user=None)
    wallet_open(person=child, usage_region=cq, acting_user=None)
    fill_wallet(child, "50.00")
    clinic = FacilityFactory(region=cq, tier=1, wallet_payment=True)
    return {"employee": employee, "child": child, "clinic": clinic}


def test_r1_r2_each_channel_gets_back_what_it_paid_and_what_remains_is_paid_again(
    pooled_family,
):
    fam = pooled_family
    child, employee = fam["child"], fam["employee"]
    bill = settle(child, fam["clinic"], [("A100", 1, "100.00"), ("X100", 1, "80.00")])
    # Resident tier 1: 60 % of 100 → fund 60.00; personal 40.00 + 80.00 self-pay:
    # the wallet's 50.00, then 70.00 pooled by the father.
    assert (bill.fund_paid, bill.personal_total) == (D("60.00"), D("120.00"))
    paid = bill.payment
    assert (paid.wallet_amount, paid.pooling_amount, paid.cash_amount) == (
        D("50.00"),
        D("70.00"),
        D("0.00"),
    )

    refund = bill_refund(bill=bill, lines={"2": "1"}, acting_user=staff("finance"))

    bill.refresh_from_db()
    assert refund.status == Refund.Status.DONE
    assert (refund.amount, refund.fund_back, refund.personal_back) == (
        D("80.00"),
        D("0.00"),
        D("80.00"),
    )
    # R1: as if the self-pay item had never been billed.
    assert (bill.total, bill.fund_paid, bill.self_pay, bill.personal_total) == (
        D("100.00"),
        D("60.00"),
        D("0.00"),
        D("40.00"),
    )
    assert bill.status == Bill.Status.SETTLED
    # R2: wallet 50.00 and pooling 70.00 back; the remaining 40.00 paid again,
    # wallet first (W11).
    assert refund.channels["back"] == {
        "wallet": "50.00",
        "own": "0.00",
        "pooling": "70.00",
        "cash": "0.00",
    }
    assert bill.payment.wallet_amount == D("40.00") and bill.payment.pooling_amount == D("0")
    assert balance(child, AccountKind.WALLET) == D("10.00")
    assert balance(employee, AccountKind.PERSONAL) == D("1000.00")
    assert bill.lines.get(position=2).refunded_quantity == D("1")
    assert ledger_problems() == []


def test_r1_deductible_and_totals_come_out_as_if_never_billed(cq):
    employee = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    # Employee tier 2: deductible 200, then 70 %.
    bill = settle(employee, hospital, [("A100", 1, "300.00")])
    assert (bill.deductible, bill.fund_paid) == (D("200.00"), D("70.00"))
    bill_refund(bill=bill, amount="150.00", acting_user=None)
    bill.refresh_from_db()
    # 150.00 remains: all of it deductible, nothing from the fund.
    assert (bill.total, bill.deductible, bill.fund_paid, bill.personal_total) == (
        D("150.00"),
        D("150.00"),
        D("0.00"),
        D("150.00"),
    )
    totals = PersonYearTotals.objects.get(person=employee, year=2026)
    assert (totals.deductible_used, totals.fund_paid, totals.bills) == (D("150.00"), D("0"), 1)
    # The next bill sees 50.00 of deductible left, as if 150.00 had been billed.
    later = settle(employee, hospital, [("A100", 1, "100.00")], day=datetime.date(2026, 4, 1))
    assert (later.deductible, later.fund_paid) == (D("50.00"), D("35.00"))


def test_r1_a_refund_below_the_annual_cap_gives_the_fund_part_back(cq):
    child = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    # Resident tier 1: 60 %, cap 300: 600.00 → 360.00 raw, 300.00 paid, 60.00 over cap.
    bill = settle(child, clinic, [("A100", 2, "300.00")])
    assert (bill.fund_paid, bill.over_cap) == (D("300.00"), D("60.00"))
    refund = bill_refund(bill=bill, lines={"1": "1"}, acting_user=None)
    bill.refresh_from_db()
    assert (bill.total, bill.fund_paid, bill.over_cap, bill.personal_total) == (
        D("300.00"),
        D("180.00"),
        D("0.00"),
        D("120.00"),
    )
    assert (refund.fund_back, refund.personal_back) == (D("120.00"), D("180.00"))
    assert PersonYearTotals.objects.get(person=child, year=2026).fund_paid == D("180.00")


def test_r3_what_may_be_refunded(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    entered = bill_create(
        person=person,
        facility=hospital,
        service_date=datetime.date(2026, 3, 1),
        visit="outpatient",
        lines=[("A100", D("1"), D("10.00"))],
        entered_by=None,
    )
    bill = settle(person, hospital, [("A100", 2, "30.00"), ("X100", 1, "5.00")])
    cases = [
        ("R3-01", {"bill": entered, "amount": "1.00"}),
        ("R3-02", {"bill": bill, "amount": "65.01"}),
        ("R3-02", {"bill": bill, "amount": "0"}),
        ("R3-03", {"bill": bill, "lines": {"1": "3"}}),
        ("R3-03", {"bill": bill, "lines": {"9": "1"}}),
        ("R3-04", {"bill": bill, "amount": "1.00", "lines": {"1": "1"}}),
        ("R3-04", {"bill": bill}),
        ("R4-02", {"bill": bill, "amount": "1.00", "reference": "R" * 61}),
    ]
    for code, kwargs in cases:
        with pytest.raises(Refusal) as refused:
            bill_refund(acting_user=None, **kwargs)
        assert refused.value.code == code, kwargs
    assert not Refund.objects.exists()


def test_r3_an_amount_is_taken_from_the_last_line_backwards(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    bill = settle(
        person, FacilityFactory(region=cq, tier=2), [("A100", 2, "30.00"), ("X100", 1, "5.00")]
    )
    bill_refund(bill=bill, amount="20.00", acting_user=None)
    bill.refresh_from_db()
    assert bill.total == D("45.00")
    lines = {line.position: line for line in bill.lines.all()}
    assert (lines[2].amount, lines[2].refunded_quantity) == (D("0.00"), D("1"))
    assert (lines[1].amount, lines[1].refunded_quantity) == (D("45.00"), D("0.5"))


def test_r4_the_same_reference_refunds_once_and_another_use_is_refused(cq):
    """R4: the derived reference makes the command idempotent (R4-01 otherwise)."""
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "500.00")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("X100", 1, "100.00")])
    staff("finance")
    for _ in range(2):
        call_command(
            "bill_refund", bill.reference, "--amount", "30.00", "--by", "finance", stdout=StringIO()
        )
    assert Refund.objects.count() == 1
    assert balance(person, AccountKind.PERSONAL) == D("430.00")
    refund = Refund.objects.get()
    with pytest.raises(CommandError, match="R4-01"):
        call_command(
            "bill_refund",
            bill.reference,
            "--amount",
            "31.00",
            "--by",
            "finance",
            "--ref",
            refund.reference,
        )
    # A second, identical refund under its own reference is a new refund.
    call_command(
        "bill_refund",
        bill.reference,
        "--amount",
        "30.00",
        "--by",
        "finance",
        "--ref",
        "R-2",
        stdout=StringIO(),
    )
    bill.refresh_from_db()
    assert bill.total == D("40.00")
    assert balance(person, AccountKind.PERSONAL) == D("460.00")
    assert ledger_problems() == []


def test_r5_above_the_four_eyes_amount_a_second_member_of_staff_carries_it_out(cq, settings):
    """R5 (S2): the refund waits, its asker cannot approve it, a second can."""
    settings.FOUR_EYES_AMOUNT = "50.00"
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "500.00")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("X100", 1, "100.00")])
    first, second = staff("finance"), staff("finance2")
    refund = bill_refund(bill=bill, amount="80.00", acting_user=first)
    assert refund.status == Refund.Status.AWAITING_SECOND
    bill.refresh_from_db()
    assert bill.total == D("100.00") and balance(person, AccountKind.PERSONAL) == D("400.00")
    with pytest.raises(PermissionDenied):
        refund_approve(refund=refund, acting_user=first)
    out = StringIO()
    call_command(
        "bill_refund",
        bill.reference,
        "--amount",
        "80.00",
        "--by",
        "finance",
        "--approved-by",
        "finance2",
        stdout=out,
    )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.DONE and refund.approved_by == second
    assert balance(person, AccountKind.PERSONAL) == D("480.00")
    # Below the amount one member of staff is enough.
    small = bill_refund(bill=bill, amount="10.00", acting_user=first)
    assert small.status == Refund.Status.DONE


def test_r6_summary_deduction_statement_and_message_follow(
    pooled_family, django_capture_on_commit_callbacks, user_client, english
):
    """R6: the annual summary (T1), the statement and the message centre read
    the bill and the ledger as they are after the refund."""
    fam = pooled_family
    child = fam["child"]
    bill = settle(child, fam["clinic"], [("A100", 1, "100.00"), ("X100", 1, "80.00")])
    year = bill.settled_on.year
    before = annual_summary(person=child, year=year)
    with django_capture_on_commit_callbacks(execute=True):
        bill_refund(bill=bill, amount="30.00", acting_user=None)
    after = annual_summary(person=child, year=year)
    assert before.total - after.total == D("30.00")
    assert before.personal_total - after.personal_total == D("30.00")
    assert after.self_pay == D("50.00")
    wallet = next(s for s in statements.statement(person=child, year=year) if s.kind == "wallet")
    words = [line.what for month in wallet.months for line in month.lines]
    assert any(what.startswith("退费") for what in words), words
    message = InboxMessage.objects.filter(kind="bill_refunded").get()
    assert bill.reference in message.text and "30.00" in message.text
    page = reverse("claims:bill_detail", args=[bill.pk])
    assert "退费记录" in user_client.get(page).content.decode()
    assert "30.00</span> refunded" in english(user_client).get(page).content.decode()


def test_done_when_the_demo_bill_refund_leaves_the_ledger_clean():
    call_command("seed_demo", stdout=StringIO())
    bill = Bill.objects.get(reference="DEMO-ZW-1")
    year = bill.settled_on.year
    before = annual_summary(person=bill.person, year=year).personal_total
    out = StringIO()
    call_command("bill_refund", "DEMO-ZW-1", "--amount", "10.00", "--by", "admin", stdout=out)
    refund = Refund.objects.get(bill=bill)
    after = annual_summary(person=bill.person, year=year).personal_total
    assert before - after == D("10.00") - refund.fund_back
    checked = StringIO()
    call_command("ledger_check", stdout=checked)
    assert "every balance matches" in checked.getvalue()
    assert ledger_problems() == []


def test_r5_the_admin_refunds_a_settled_bill_and_a_second_admin_approves(
    cq, admin_client, settings, django_user_model
):
    """R1 and R5 from the admin: the bills' action asks for an amount; above
    the four-eyes amount the refund waits, its asker cannot approve it, a
    second administrator can."""
    settings.FOUR_EYES_AMOUNT = "50.00"
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "500.00")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("X100", 1, "100.00")])
    url = reverse("admin:claims_bill_changelist")
    data = {"action": "refund_bill", "_selected_action": [bill.pk]}
    form = admin_client.post(url, data)
    assert form.status_code == 200 and 'name="amount"' in form.content.decode()
    admin_client.post(url, {**data, "post": "yes", "amount": "20.00"})
    bill.refresh_from_db()
    assert bill.total == D("80.00")
    admin_client.post(url, {**data, "post": "yes", "amount": "60.00"})
    waiting = Refund.objects.get(status=Refund.Status.AWAITING_SECOND)
    refunds = reverse("admin:claims_refund_changelist")
    approve = {"action": "approve", "_selected_action": [waiting.pk]}
    admin_client.post(refunds, approve)
    waiting.refresh_from_db()
    assert waiting.status == Refund.Status.AWAITING_SECOND  # not by the one who asked
    second = Client()
    second.force_login(
        django_user_model.objects.create_superuser("second", password="Secr3t-pass!")
    )
    second.post(refunds, approve)
    waiting.refresh_from_db()
    assert waiting.status == Refund.Status.DONE
    bill.refresh_from_db()
    assert bill.total == D("20.00")
    assert balance(person, AccountKind.PERSONAL) == D("480.00")


def test_r4_a_refund_column_in_the_bill_import_refunds_once(cq):
    """R1, R4 in the bill import: rows with a refund quantity refund a bill
    imported before; the same file again refunds nothing more."""
    from claims.services.bill_import import bill_import

    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "500.00")
    FacilityFactory(region=cq, tier=2, code="CQ-T2")
    nid = person.national_id
    head = "reference,national_id,facility_code,service_date,visit,item_code,quantity,unit_price"
    bills = "\n".join(
        [
            head,
            f"IMP1,{nid},CQ-T2,2026-03-01,outpatient,A100,2,30.00",
            f"IMP1,{nid},CQ-T2,2026-03-01,outpatient,X100,1,5.00",
        ]
    )
    assert bill_import(data=bills, acting_user=None).created == 1
    refunds = "\n".join(
        [
            f"{head},refund_quantity",
            f"IMP1,{nid},CQ-T2,2026-03-01,outpatient,X100,1,5.00,1",
            f"IMP1,{nid},CQ-T2,2026-03-01,outpatient,A100,2,30.00,1",
        ]
    )
    for _ in range(2):
        report = bill_import(data=refunds, acting_user=None)
        assert report.errors == [] and report.created == 0
    bill = Bill.objects.get(reference="IMP1")
    assert bill.total == D("30.00")
    assert Refund.objects.filter(bill=bill).count() == 1
    wrong = bill_import(data=refunds.replace(",X100,1,5.00,1", ",X100,1,5.00,2"), acting_user=None)
    assert wrong.errors and Refund.objects.count() == 1


def test_r2_a_whole_refund_gives_the_own_account_and_the_cash_back(cq):
    """R2: refunded whole, nothing remains to pay: the own account gets its
    100.00 back and the cash part is recorded as given back in cash."""
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "100.00")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("A100", 1, "300.00")])
    assert (bill.payment.own_account_amount, bill.payment.cash_amount) == (
        D("100.00"),
        D("130.00"),
    )
    refund = bill_refund(bill=bill, amount="300.00", acting_user=None)
    bill.refresh_from_db()
    assert (bill.total, bill.fund_paid, bill.personal_total, bill.payment) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
        None,
    )
    assert refund.channels == {
        "back": {"wallet": "0.00", "own": "100.00", "pooling": "0.00", "cash": "130.00"},
        "paid_again": {},
    }
    assert balance(person, AccountKind.PERSONAL) == D("100.00")
    totals = PersonYearTotals.objects.get(person=person, year=2026)
    assert (totals.deductible_used, totals.fund_paid) == (D("0.00"), D("0.00"))
    assert ledger_problems() == []


def test_r6_the_major_illness_deduction_follows_a_large_refund(cq, settings):
    """R6 with T2 and R5: an inpatient refund above the four-eyes amount,
    approved by a second member of staff, lowers the deduction."""
    settings.FOUR_EYES_AMOUNT = "5000.00"
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    hospital = FacilityFactory(region=cq, tier=3)
    # Resident inpatient tier 3: deductible 800, then 50 %.
    bill = settle(person, hospital, [("A100", 1, "40000.00")], visit="inpatient")
    year = bill.settled_on.year
    assert bill.personal_in_directory == D("20400.00")
    assert annual_summary(person=person, year=year).deduction == D("5400.00")
    first, second = staff("finance"), staff("finance2")
    with pytest.raises(PermissionDenied):
        bill_refund(bill=bill, amount="10000.00", acting_user=first, approved_by=first)
    refund = bill_refund(bill=bill, amount="10000.00", acting_user=first, approved_by=second)
    assert refund.status == Refund.Status.DONE
    assert (refund.fund_back, refund.personal_back) == (D("5000.00"), D("5000.00"))
    assert annual_summary(person=person, year=year).deduction == D("400.00")


def test_r3_the_command_refunds_by_lines_and_says_what_went_back(cq):
    """R3 by lines from the command line: `--lines POSITION:QUANTITY,…`."""
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    fund(person, "500.00")
    bill = settle(
        person, FacilityFactory(region=cq, tier=2), [("A100", 2, "30.00"), ("X100", 3, "5.00")]
    )
    staff("finance")
    out = StringIO()
    call_command("bill_refund", bill.reference, "--lines", "1:1,2:2", "--by", "finance", stdout=out)
    bill.refresh_from_db()
    assert bill.total == D("35.00")
    assert "personal 40.00 back" in out.getvalue()
    with pytest.raises(CommandError, match="R3-03"):
        call_command("bill_refund", bill.reference, "--lines", "2:2", "--by", "finance")
    with pytest.raises(CommandError, match="not a member of staff"):
        get_user_model().objects.create_user(username="family", password="Secr3t-pass!")
        call_command("bill_refund", bill.reference, "--amount", "1.00", "--by", "family")
