"""Admin: approving/refusing recognitions (C5), entering and settling bills with
inline lines, CSV imports of bills and the directory with per-row error reports."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from claims.models import Bill, ChronicRecognition, DirectoryItem, DirectoryVersion
from claims.services.chronic import recognition_apply
from core.models import AuditEvent
from tests.claims.factories import DiseaseFactory
from tests.factories import FacilityFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(cq):
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    hospital = FacilityFactory(region=cq, tier=3)
    return recognition_apply(
        person=person,
        disease=DiseaseFactory(),
        hospital=hospital,
        diagnosis="高血压",
        acting_user=None,
    )


def test_approve_asks_for_confirmation_then_approves_for_two_years(admin_client, pending):
    url = reverse("admin:claims_chronicrecognition_changelist")
    data = {"action": "approve", "_selected_action": [pending.pk]}
    confirm = admin_client.post(url, data)
    assert confirm.status_code == 200 and 'name="post" value="yes"' in confirm.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)):
        admin_client.post(url, {**data, "post": "yes"})
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert (pending.valid_from, pending.valid_until) == (
        datetime.date(2026, 3, 10),
        datetime.date(2028, 3, 9),
    )


def test_refusal_needs_a_reason(admin_client, pending, english):
    english(admin_client)
    url = reverse("admin:claims_chronicrecognition_changelist")
    data = {"action": "refuse", "_selected_action": [pending.pk], "post": "yes"}
    again = admin_client.post(url, {**data, "note": ""})
    assert again.status_code == 200
    assert ChronicRecognition.objects.get().status == "pending"
    admin_client.post(url, {**data, "note": "诊断证明不全"})
    refused = ChronicRecognition.objects.get()
    assert refused.status == "refused" and refused.decision_note == "诊断证明不全"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize(
    ("first", "second"),
    [("refuse", "refuse"), ("approve", "refuse"), ("refuse", "approve"), ("approve", "approve")],
)
def test_a_decision_from_a_stale_page_says_already_decided_and_changes_nothing(
    admin_client, django_user_model, pending, english, first, second
):
    """Two administrators open the same pending application; the second one's
    confirmation arrives after the first has decided."""
    other = Client()
    other.force_login(django_user_model.objects.create_superuser("wang", "w@example.com", "x"))
    url = reverse("admin:claims_chronicrecognition_changelist")
    english(admin_client)
    other.post(url, {"action": first, "_selected_action": [pending.pk], "post": "yes", "note": "A"})
    pending.refresh_from_db()
    before = (pending.status, pending.decided_at, pending.decision_note, pending.valid_until)
    response = admin_client.post(
        url,
        {"action": second, "_selected_action": [pending.pk], "post": "yes", "note": "B"},
        follow=True,
    )
    assert response.status_code == 200
    said = _messages(response)
    assert any("already been decided" in m for m in said), said
    pending.refresh_from_db()
    assert (
        pending.status,
        pending.decided_at,
        pending.decision_note,
        pending.valid_until,
    ) == before
    assert AuditEvent.objects.filter(action__startswith="claims.chronic_").count() == 2


@pytest.mark.parametrize("action", ["refuse", "approve"])
def test_a_decision_racing_another_administrator_says_already_decided(
    admin_client, django_user_model, pending, english, monkeypatch, action
):
    """The other administrator commits between this one's list of pending
    applications and the locked decision: an error message, not a 500."""
    from claims.admin import chronic as chronic_admin
    from claims.services import chronic as chronic_services

    wang = django_user_model.objects.create_superuser("wang", "w@example.com", "x")
    real = getattr(chronic_services, f"recognition_{action}")

    def decided_just_before(*, recognition, acting_user, **kwargs):
        chronic_services.recognition_refuse(recognition=recognition, acting_user=wang, note="A")
        return real(recognition=recognition, acting_user=acting_user, **kwargs)

    monkeypatch.setattr(chronic_admin, f"recognition_{action}", decided_just_before)
    english(admin_client)
    url = reverse("admin:claims_chronicrecognition_changelist")
    response = admin_client.post(
        url,
        {"action": action, "_selected_action": [pending.pk], "post": "yes", "note": "B"},
        follow=True,
    )
    assert response.status_code == 200
    said = _messages(response)
    assert any("already been decided" in m for m in said), said
    assert any(m.startswith("0 ") for m in said), said
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note, pending.decided_by) == ("refused", "A", wang)


def test_enter_a_bill_with_inline_lines_and_settle_it(admin_client, cq):
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    hospital = FacilityFactory(region=cq, tier=2)
    data = {
        "reference": "ADM-1",
        "person": person.pk,
        "facility": hospital.pk,
        "service_date": "2026-04-02",
        "visit": "outpatient",
        "diagnosis": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-position": "1",
        "lines-0-code": "A100",
        "lines-0-name": "",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "300.00",
        "lines-1-position": "2",
        "lines-1-code": "X100",
        "lines-1-name": "",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "50.00",
        "_settle": "Save and settle",
    }
    response = admin_client.post(reverse("admin:claims_bill_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    bill = Bill.objects.get(reference="ADM-1")
    assert bill.status == "settled"
    # Employee tier 2: deductible 200, 70 % of the remaining 100 = 70.00
    assert bill.fund_paid == (D("300.00") - D("200.00")) * D("0.70")
    assert bill.self_pay == D("50.00")
    page = admin_client.get(reverse("admin:claims_bill_change", args=[bill.pk]))
    assert page.status_code == 200 and "C1-01" in page.content.decode()


def test_settle_action_confirms_then_settles(admin_client, cq):
    from claims.services.bills import bill_create

    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    bill = bill_create(
        person=person,
        facility=FacilityFactory(region=cq, tier=1),
        service_date=datetime.date(2026, 4, 1),
        visit="outpatient",
        lines=[("A100", D(1), D("10.00"))],
        entered_by=None,
    )
    url = reverse("admin:claims_bill_changelist")
    admin_client.post(url, {"action": "settle", "_selected_action": [bill.pk]})
    assert Bill.objects.get().status == "entered"
    admin_client.post(url, {"action": "settle", "_selected_action": [bill.pk], "post": "yes"})
    assert Bill.objects.get().fund_paid == D("6.00")  # 10 × 60 %


def test_bill_import_reports_each_bad_row_and_imports_the_rest(admin_client, cq, english):
    english(admin_client)
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    hospital = FacilityFactory(region=cq, tier=1, code="CQ-T1")
    header = ",".join(
        [
            "reference",
            "national_id",
            "facility_code",
            "service_date",
            "visit",
            "disease_code",
            "diagnosis",
            "emergency",
            "item_code",
            "item_name",
            "quantity",
            "unit_price",
            "settled_on",
        ]
    )
    nid = person.national_id
    rows = [
        f"R1,{nid},CQ-T1,2026-03-01,outpatient,,感冒,,A100,,1,100.00,",  # row 2
        f"R1,{nid},CQ-T1,2026-03-01,outpatient,,感冒,,X100,,2,15.00,",  # row 3
        f"R2,{nid},NOPE,2026-03-02,outpatient,,,,A100,,1,10.00,",  # row 4: facility
        f"R3,{nid},CQ-T1,2026-03-03,门诊,,,,A100,,abc,10.00,",  # row 5: quantity
        "R4,110105194912310021,CQ-T1,31/03/2026,outpatient,,,,A100,,1,10.00,",  # row 6
    ]
    upload = SimpleUploadedFile("bills.csv", ("\n".join([header, *rows])).encode("utf-8-sig"))
    response = admin_client.post(
        reverse("admin:claims_bill_import"), {"file": upload, "settle": "on"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report.created == 1
    assert [e.row for e in report.errors] == [4, 5, 6]
    messages = {e.row: e.message for e in report.errors}
    assert "no facility has this code" in messages[4]
    assert "abc is not a number" in messages[5]
    assert "no insured person" in messages[6] and "2026-03-31" in messages[6]
    bill = Bill.objects.get(reference="R1")
    assert bill.fund_paid == D("60.00") and bill.self_pay == D("30.00")
    assert hospital.pk == bill.facility_id
    # Uploading the same file again imports nothing twice.
    upload.seek(0)
    again = admin_client.post(reverse("admin:claims_bill_import"), {"file": upload, "settle": "on"})
    assert again.context["report"].created == 0
    assert Bill.objects.filter(reference="R1").count() == 1


def test_directory_import_with_per_row_errors(admin_client, english):
    english(admin_client)
    version = DirectoryVersion.objects.create(name="2027", effective_from=datetime.date(2027, 1, 1))
    text = "\n".join(
        [
            "code,name,kind,class,unit,price_limit,typical_price",
            "D1,阿莫西林胶囊,drug,A,盒,9.80,9.80",
            "D2,缬沙坦胶囊,药品,乙,盒,,39.00",
            "D3,,drug,A,盒,,",  # row 4: no name
            "D4,某药,drug,C,盒,,",  # row 5: bad class
            "D1,重复,drug,A,盒,,",  # row 6: duplicate
            "D5,某药,drug,A,盒,-1,",  # row 7: negative price
        ]
    )
    upload = SimpleUploadedFile("dir.csv", text.encode("gb18030"))
    response = admin_client.post(
        reverse("admin:claims_directoryversion_import"), {"file": upload, "version": version.pk}
    )
    report = response.context["report"]
    assert (report.created, report.updated) == (2, 0)
    assert [e.row for e in report.errors] == [4, 5, 6, 7]
    assert DirectoryItem.objects.get(version=version, code="D2").item_class == "B"
    assert 'id="import-errors"' in response.content.decode()


def test_admin_lists_load(admin_client, cq, django_assert_max_num_queries):
    from claims.demo import load_reference_data

    load_reference_data(years=[2026])
    for name in (
        "claims_bill",
        "claims_directoryitem",
        "claims_regionalpolicy",
        "claims_chronicrecognition",
        "accounts_facility",
        "claims_personyeartotals",
    ):
        with django_assert_max_num_queries(30):
            assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    policy = __import__("claims.models", fromlist=["RegionalPolicy"]).RegionalPolicy.objects.first()
    assert (
        admin_client.get(
            reverse("admin:claims_regionalpolicy_change", args=[policy.pk])
        ).status_code
        == 200
    )


def test_settle_task_settles_entered_bills_once(cq):
    from claims.services.bills import bill_create
    from claims.tasks import bills_settle

    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    ids = [
        bill_create(
            person=person,
            facility=clinic,
            service_date=datetime.date(2026, 4, d),
            visit="outpatient",
            lines=[("A100", D(1), D("100.00"))],
            entered_by=None,
        ).pk
        for d in (1, 2)
    ]
    assert bills_settle(ids) == 2
    assert bills_settle(ids) == 0  # a retried task changes nothing
    assert sorted(Bill.objects.values_list("fund_paid", flat=True)) == [D("60.00"), D("60.00")]


def test_recheck_action_recomputes_settlements(admin_client, cq, english):
    from tests.claims.factories import settle

    english(admin_client)
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("A100", 1, "300.00")])
    url = reverse("admin:claims_bill_changelist")
    response = admin_client.post(
        url, {"action": "recheck", "_selected_action": [bill.pk]}, follow=True
    )
    assert "1 settlement re-computed: identical." in response.content.decode()
    # A tampered row that still adds up (the database refuses one that doesn't).
    Bill.objects.filter(pk=bill.pk).update(
        fund_paid=D("71.00"),
        copay=D("29.00"),
        personal_in_directory=D("229.00"),
        personal_total=D("229.00"),
    )
    response = admin_client.post(
        url, {"action": "recheck", "_selected_action": [bill.pk]}, follow=True
    )
    assert f"Different when re-computed: {bill.reference}" in response.content.decode()


def test_bills_are_searched_by_id_suffix_never_by_the_full_number(admin_client, cq):
    """A1: an admin search is a GET, so a full ID number would land in URLs and logs;
    bills are found by the person's masked ID suffix (or name), as everywhere else."""
    from tests.claims.factories import settle

    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    bill = settle(person, FacilityFactory(region=cq, tier=2), [("A100", 1, "300.00")])
    url = reverse("admin:claims_bill_changelist")
    found = admin_client.get(url, {"q": person.national_id[-4:]}).context["cl"].result_list
    assert [b.pk for b in found] == [bill.pk]
    found = admin_client.get(url, {"q": person.national_id}).context["cl"].result_list
    assert list(found) == []


def _entered(cq, days, price="100.00"):
    from claims.services.bills import bill_create

    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    clinic = FacilityFactory(region=cq, tier=1)
    return [
        bill_create(
            person=person,
            facility=clinic,
            service_date=datetime.date(2026, 4, d),
            visit="outpatient",
            lines=[("A100", D(1), D(price))],
            entered_by=None,
        )
        for d in days
    ]


def test_settle_task_keeps_the_settlement_dates_of_an_import(cq):
    """T2: a bill settled at the facility on 2026-12-30 belongs to that tax year,
    also when a large import settles it in the background in January."""
    from claims.tasks import bills_settle

    first, second = _entered(cq, (1, 2))
    with time_machine.travel(datetime.datetime(2027, 1, 3, 9, 0), tick=False):
        assert bills_settle([first.pk, second.pk], None, {str(first.pk): "2026-12-30"}) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.settled_on, second.settled_on) == (
        datetime.date(2026, 12, 30),
        datetime.date(2027, 1, 3),
    )


def test_settling_a_large_selection_goes_to_the_background(
    admin_client, cq, english, monkeypatch, django_capture_on_commit_callbacks
):
    """Through the job outbox (core.jobs), as a large import: the job is sent
    once the request commits, and it settles every bill."""
    from claims.admin.bills import BillAdmin
    from core.models import Job
    from portal.celery import app

    english(admin_client)
    monkeypatch.setattr(BillAdmin, "SETTLE_INLINE_UP_TO", 2)
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    bills = _entered(cq, (1, 2, 3))
    url = reverse("admin:claims_bill_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            {"action": "settle", "_selected_action": [b.pk for b in bills], "post": "yes"},
            follow=True,
        )
    # (In the test's own transaction the job is still queued when the page says so.)
    assert "3 bills will be settled in the background" in response.content.decode()
    assert Job.objects.get().task == "claims.tasks.bills_settle"
    assert set(Bill.objects.values_list("status", flat=True)) == {"settled"}


def test_one_bad_bill_leaves_the_others_settled_and_is_named(
    admin_client, cq, english, monkeypatch
):
    """A bill the database refuses (here: made to fail) does not hold back the
    rest of its chunk; the action names it, and it stays entered."""
    from django.db import DataError

    from claims.services import bills as bill_services

    english(admin_client)
    bills = _entered(cq, (1, 2, 3))
    bad = _entered(cq, (4,), price="666.66")[0]
    real = bill_services.calculate

    def failing(data):
        if data.lines[0].unit_price == D("666.66"):
            raise DataError("numeric field overflow")
        return real(data)

    monkeypatch.setattr(bill_services, "calculate", failing)
    response = admin_client.post(
        reverse("admin:claims_bill_changelist"),
        {"action": "settle", "_selected_action": [b.pk for b in [*bills, bad]], "post": "yes"},
        follow=True,
    )
    page = response.content.decode()
    assert f"{bad.reference}: a value is too large for the database" in page
    assert "3 bills settled." in page
    assert dict(Bill.objects.values_list("pk", "status")) == {
        **{b.pk: "settled" for b in bills},
        bad.pk: "entered",
    }


def test_an_imported_bill_that_cannot_be_settled_stays_entered_and_its_row_says_so(
    admin_client, cq, english, monkeypatch
):
    from django.db import DataError

    from claims.services import bills as bill_services

    english(admin_client)
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    FacilityFactory(region=cq, tier=1, code="CQ-T1")
    real = bill_services.calculate

    def failing(data):
        if data.lines[0].unit_price == D("666.66"):
            raise DataError("numeric field overflow")
        return real(data)

    monkeypatch.setattr(bill_services, "calculate", failing)
    nid = person.national_id
    text = "\n".join(
        [
            "reference,national_id,facility_code,service_date,visit,item_code,quantity,unit_price",
            f"OK1,{nid},CQ-T1,2026-03-01,outpatient,A100,1,100.00",
            f"BAD,{nid},CQ-T1,2026-03-02,outpatient,A100,1,666.66",
        ]
    )
    upload = SimpleUploadedFile("bills.csv", text.encode())
    response = admin_client.post(
        reverse("admin:claims_bill_import"), {"file": upload, "settle": "on"}
    )
    report = response.context["report"]
    assert report.created == 2
    assert [(e.row, e.message) for e in report.errors] == [
        (
            3,
            "bill BAD is imported but could not be settled: a value is too large for the "
            "database, or the database refused the bill",
        )
    ]
    assert dict(Bill.objects.values_list("reference", "status")) == {
        "OK1": "settled",
        "BAD": "entered",
    }


def test_reviewers_see_the_diagnosis_the_family_typed(admin_client, pending, english):
    english(admin_client)
    listing = admin_client.get(reverse("admin:claims_chronicrecognition_changelist"))
    assert "高血压" in listing.content.decode()
    change = admin_client.get(
        reverse("admin:claims_chronicrecognition_change", args=[pending.pk])
    ).content.decode()
    assert "Diagnosis, as the family typed it" in change
    assert '<div class="readonly">高血压</div>' in change
    confirm = admin_client.post(
        reverse("admin:claims_chronicrecognition_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    ).content.decode()
    assert "diagnosis, as the family typed it" in confirm and "<q>高血压</q>" in confirm


def test_a_large_import_says_when_its_background_settlement_has_finished(
    admin_client, cq, english, monkeypatch
):
    from claims.admin.bills import BillAdmin
    from core.models import Job

    english(admin_client)
    monkeypatch.setattr(BillAdmin, "SETTLE_INLINE_UP_TO", 1)
    person = InsuredPersonFactory(region=cq, insurance_type="resident")
    FacilityFactory(region=cq, tier=1, code="CQ-T1")
    header = "reference,national_id,facility_code,service_date,visit,item_code,quantity,unit_price"
    rows = [f"B{n},{person.national_id},CQ-T1,2026-03-0{n},outpatient,A100,1,10.00" for n in (1, 2)]
    upload = SimpleUploadedFile("bills.csv", "\n".join([header, *rows]).encode("utf-8"))
    response = admin_client.post(
        reverse("admin:claims_bill_import"), {"file": upload, "settle": "on"}
    )
    html = response.content.decode()
    assert "Settling 2 bills in the background: 0 done so far." in html
    job = Job.objects.get(task="claims.tasks.bills_settle")
    progress = reverse("admin:claims_bill_settling", args=[job.pk])
    assert f'hx-get="{progress}"' in html
    assert admin_client.get(progress).status_code == 200  # still polling

    from claims.tasks import bills_settle

    with time_machine.travel(datetime.datetime(2026, 3, 9, 10, 5), tick=False):
        bills_settle(*job.args)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.DONE,
            finished_at=datetime.datetime(2026, 3, 9, 2, 5, tzinfo=datetime.UTC),
        )
    done = admin_client.get(progress)
    assert done.status_code == 286  # htmx stops polling
    text = done.content.decode()
    assert "Background settlement finished at 10:05:" in text
    assert "2 of 2 bills settled." in text and "hx-trigger" not in text
