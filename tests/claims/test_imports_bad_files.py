"""Admin imports (directory C1, bills C6) given files that are not a table the
one reader (core.tabular) can read: a clear, translated error on the form,
never a 500, nothing written."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Bill, BillLine, DirectoryItem, DirectoryVersion
from tests.factories import FacilityFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db

DIRECTORY_HEADER = "code,name,kind,class,unit,price_limit,typical_price"
BILL_HEADER = (
    "reference,national_id,facility_code,service_date,visit,disease_code,diagnosis,"
    "emergency,item_code,item_name,quantity,unit_price,settled_on"
)
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"stream\n\x78\x9c\x00\x01\xff\xfe\x80\x81\nendstream\n%%EOF\n"
)
XLSX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256))
BINARY = bytes(range(256)) * 8


def _directory_upload(client, content: bytes, name="items.csv"):
    version = DirectoryVersion.objects.get_or_create(
        effective_from=datetime.date(2027, 1, 1), defaults={"name": "2027"}
    )[0]
    return client.post(
        reverse("admin:claims_directoryversion_import"),
        {"file": SimpleUploadedFile(name, content), "version": version.pk},
    )


def _bill_upload(client, content: bytes, name="bills.csv"):
    return client.post(
        reverse("admin:claims_bill_import"),
        {"file": SimpleUploadedFile(name, content), "settle": "on"},
    )


def _file_errors(response) -> str:
    """The errors shown under the file field, as rendered."""
    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors.get("file")
    html = response.content.decode()
    start = html.index('class="errorlist')
    return html[start : html.index("</ul>", start)].replace("&quot;", '"')


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "This is a PDF file"),
        (XLSX, "cannot be opened as an Excel (.xlsx) workbook"),
        (BINARY, "not a CSV or Excel (.xlsx) file"),
        (b"", "empty"),
        ("名称,类别\n阿莫西林,甲\n".encode("gbk"), "The first row must name the columns"),
        (b"foo;bar\n1;2\n", "The first row must name the columns"),
        (b"code;reference\nD1;x\n", "Missing columns: "),
        (b"\n\n", "empty"),
    ],
    ids=[
        "pdf",
        "xlsx",
        "binary",
        "empty",
        "gbk-wrong-headers",
        "wrong-headers",
        "missing-columns",
        "blank",
    ],
)
@pytest.mark.parametrize("upload", [_directory_upload, _bill_upload], ids=["directory", "bills"])
def test_a_file_that_is_not_the_csv_asked_for_gives_a_clear_error(
    admin_client, cq, english, upload, content, expected
):
    english(admin_client)
    errors = _file_errors(upload(admin_client, content))
    assert expected in errors
    assert not DirectoryItem.objects.filter(version__name="2027").exists()
    assert not Bill.objects.exists()


def test_errors_are_translated(admin_client, cq):
    # The default language is Chinese.
    errors = _file_errors(_directory_upload(admin_client, PDF))
    assert "PDF" in errors and "This is a PDF" not in errors


def test_a_gbk_file_with_the_right_columns_imports(admin_client, cq):
    text = "\n".join([DIRECTORY_HEADER, "D1,阿莫西林胶囊,药品,甲,盒,9.80,9.80"])
    response = _directory_upload(admin_client, text.encode("gbk"))
    assert response.context["report"].created == 1
    assert DirectoryItem.objects.get(version__name="2027", code="D1").name == "阿莫西林胶囊"


def test_a_csv_with_a_broken_quote_or_nul_byte_writes_nothing(admin_client, cq, english):
    english(admin_client)
    text = "\n".join([DIRECTORY_HEADER, "D1,阿莫西林胶囊,drug,A,盒,,", 'D2,"x\x00y,drug,A,,,'])
    errors = _file_errors(_directory_upload(admin_client, text.encode("utf-8")))
    assert "not a CSV or Excel (.xlsx) file" in errors
    text = "\n".join([DIRECTORY_HEADER, "D1,阿莫西林胶囊,drug,A,盒,,", 'D2,"x,drug,A,,,'])
    errors = _file_errors(_directory_upload(admin_client, text.encode("utf-8")))
    assert "Row 3 of the file cannot be read as CSV" in errors
    assert not DirectoryItem.objects.filter(version__name="2027").exists()


def test_values_too_large_for_the_database_are_row_errors(admin_client, cq, english):
    english(admin_client)
    directory_text = "\n".join(
        [
            DIRECTORY_HEADER,
            "D1,阿莫西林胶囊,drug,A,盒,9.80,9.80",
            "D2,某药,drug,A,盒,99999999999,",  # row 3: price limit too large
        ]
    )
    report = _directory_upload(admin_client, directory_text.encode()).context["report"]
    assert [e.row for e in report.errors] == [3]
    assert "too large" in report.errors[0].message
    assert list(
        DirectoryItem.objects.filter(version__name="2027").values_list("code", flat=True)
    ) == ["D1"]

    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    FacilityFactory(region=cq, tier=1, code="CQ-T1")
    nid = person.national_id
    long_ref = "R" * 41
    rows = [
        f"OK1,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,1,10.00,",  # row 2: fine
        f"{long_ref},{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,1,10.00,",  # row 3
        f"R3,{nid},CQ-T1,2026-03-01,outpatient,,,,{'C' * 31},,1,10.00,",  # row 4
        f"R4,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,99999999,10.00,",  # row 5
        f"R5,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,9999999,9999999999,",  # row 6
    ]
    report = _bill_upload(admin_client, "\n".join([BILL_HEADER, *rows]).encode()).context["report"]
    assert [e.row for e in report.errors] == [3, 4, 5, 6]
    assert list(Bill.objects.values_list("reference", flat=True)) == ["OK1"]
    assert BillLine.objects.count() == 1


def test_prices_and_quantities_finer_than_their_columns_are_row_errors_never_rounded(
    admin_client, cq, english
):
    """PostgreSQL would round 12.345 to 12.35 without a word: the row is refused
    with the column and the precision it allows; trailing zeros are fine."""
    english(admin_client)
    person = InsuredPersonFactory(region=cq, insurance_type="employee")
    FacilityFactory(region=cq, tier=1, code="CQ-T1")
    nid = person.national_id
    rows = [
        f"OK1,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,1.500,12.500,",  # row 2: fine
        f"P1,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,1,12.345,",  # row 3: price
        f"P2,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,1,1.00,",  # row 4: same bill as 5
        f"P2,{nid},CQ-T1,2026-03-01,outpatient,,,,A100,,0.0005,10.00,",  # row 5: quantity
    ]
    report = _bill_upload(admin_client, "\n".join([BILL_HEADER, *rows]).encode()).context["report"]
    errors = {e.row: e.message for e in report.errors}
    assert sorted(errors) == [3, 5]
    assert "unit_price 12.345 has more than 2 decimal places" in errors[3]
    assert "quantity 0.0005 has more than 3 decimal places" in errors[5]
    assert list(Bill.objects.values_list("reference", flat=True)) == ["OK1"]
    line = BillLine.objects.get()
    assert (line.quantity, line.unit_price) == (D("1.500"), D("12.50"))

    directory_text = "\n".join(
        [
            DIRECTORY_HEADER,
            "D1,阿莫西林胶囊,drug,A,盒,9.80,9.800",
            "D2,某药,drug,A,盒,9.805,",  # row 3: price limit
            "D3,某药,drug,A,盒,,9.999",  # row 4: typical price
        ]
    )
    report = _directory_upload(admin_client, directory_text.encode()).context["report"]
    errors = {e.row: e.message for e in report.errors}
    assert sorted(errors) == [3, 4]
    assert "price_limit 9.805 has more than 2 decimal places" in errors[3]
    assert "typical_price 9.999 has more than 2 decimal places" in errors[4]
    assert list(
        DirectoryItem.objects.filter(version__name="2027").values_list("code", flat=True)
    ) == ["D1"]


def test_the_precision_error_is_translated(admin_client, cq):
    text = "\n".join([DIRECTORY_HEADER, "D2,某药,drug,A,盒,9.805,"])
    report = _directory_upload(admin_client, text.encode()).context["report"]
    (error,) = report.errors
    assert "price_limit" in error.message and "decimal places" not in error.message
