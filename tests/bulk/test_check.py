"""The dry run: upload, check every row, store outcomes; nothing half-written."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk.models import Batch, BatchRow
from bulk.reasons import Outcome
from bulk.services import batch_check, batch_upload, note_text
from tests.bulk.files import csv_bytes, person_row, xlsx_bytes
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(regions):
    return InsuredPersonFactory.create_batch(5, region=regions["chongqing"])


def test_check_counts_every_outcome_and_stores_every_row(upload, people, settings):
    settings.BULK_ACTIVATION_CHUNK = 2  # several chunks: duplicates across chunks
    rows = [person_row(p) for p in people]
    rows.insert(3, person_row(people[0]))  # a duplicate of row 2, in a later chunk
    rows.append(["110105194912310021", "无此人", "500100", "", ""])
    rows.append([people[1].national_id[:17] + "Y", "x", "500100", "", ""])
    batch = upload(csv_bytes(rows))
    assert batch.status == Batch.Status.CHECKED
    assert (batch.rows_total, batch.rows_checked) == (8, 8)
    assert (batch.n_ready, batch.n_duplicate, batch.n_invalid) == (5, 1, 2)
    stored = list(BatchRow.objects.filter(batch=batch).values_list("line", "outcome", "reason_arg"))
    assert stored[3] == (5, Outcome.DUPLICATE, "2")
    assert [line for line, *_ in stored] == list(range(2, 10))


def test_the_upload_is_audited(upload, people, operator):
    from core.models import AuditEvent

    batch = upload(csv_bytes([person_row(p) for p in people]))
    event = AuditEvent.objects.get(action="wallet.bulk_upload")
    assert event.actor == operator and event.target == f"bulk.Batch:{batch.pk}"
    assert event.details["file"] == "名单.csv"


def test_the_same_xlsx_file_checks_the_same(upload, people):
    batch = upload(xlsx_bytes([person_row(p) for p in people]), "名单.xlsx")
    assert (batch.status, batch.n_ready) == (Batch.Status.CHECKED, 5)


def test_notes_for_ignored_columns_blank_rows_mixed_encodings_and_same_file(upload, people):
    header = ["身份证号", "姓名", "使用地", "性别"]
    data = csv_bytes([[p.national_id, p.name, "重庆", "男"] for p in people[:2]], header=header)
    data += b"\r\n,,,\r\n" + csv_bytes(
        [[people[2].national_id, people[2].name, "重庆", "女"]], header=None, encoding="gbk"
    )
    first = upload(data)
    notes = [note_text(note) for note in first.notes]
    assert any("性别" in note for note in notes)
    assert any("2" in note and "blank" in note.lower() or "空行" in note for note in notes)
    assert any(note["code"] == "mixed_encodings" for note in first.notes)
    again = upload(data)
    assert {"code": "same_file", "params": {"batch": first.pk}} in again.notes


def test_bad_headers_are_refused_at_upload_and_nothing_is_stored(operator):
    with pytest.raises(ValidationError) as exc:
        batch_upload(
            file=SimpleUploadedFile("a.csv", csv_bytes([["1", "2"]], header=["身份证号", "姓名"])),
            uploaded_by=operator,
            queue_check=False,
        )
    assert "使用地" in exc.value.messages[0]
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty"), (b"%PDF-1.4 fake", "pdf"), (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "xls")],
)
def test_unreadable_files_are_refused_at_upload(operator, data, code):
    with pytest.raises(ValidationError) as exc:
        batch_upload(file=SimpleUploadedFile("a.csv", data), uploaded_by=operator)
    assert exc.value.code == code
    assert not Batch.objects.exists()


def test_unicode_text_from_excel_uploads_and_checks(upload, people):
    # Excel's "Unicode text" (.txt): UTF-16 with a BOM, tab-separated. Checking its
    # header used to close the uploaded file, and storing it then failed.
    data = csv_bytes([person_row(p) for p in people], encoding="utf-16", delimiter="\t")
    batch = upload(data, "名单.txt")
    assert (batch.status, batch.n_ready) == (Batch.Status.CHECKED, 5)


def test_utf32_is_refused_as_not_a_list(operator):
    data = csv_bytes([["1", "张三", "重庆"]], encoding="utf-32")
    with pytest.raises(ValidationError) as exc:
        batch_upload(file=SimpleUploadedFile("a.csv", data), uploaded_by=operator)
    assert exc.value.code == "binary"
    assert not Batch.objects.exists()


def test_too_many_rows_reject_the_batch_without_any_row(upload, people, settings):
    settings.BULK_ACTIVATION_MAX_ROWS = 3
    batch = upload(csv_bytes([person_row(p) for p in people]))
    assert batch.status == Batch.Status.REJECTED
    assert batch.problem["code"] == "too_many_rows"
    assert not BatchRow.objects.filter(batch=batch).exists()


def test_a_header_without_rows_is_rejected_by_the_check(upload):
    batch = upload(csv_bytes([]))
    assert (batch.status, batch.problem["code"]) == (Batch.Status.REJECTED, "no_rows")


def test_checking_again_is_harmless(upload, people):
    batch = upload(csv_bytes([person_row(p) for p in people]))
    again = batch_check(batch_id=batch.pk)  # a redelivered job: the batch is checked
    assert again.n_ready == 5 and BatchRow.objects.filter(batch=batch).count() == 5


def test_an_interrupted_check_starts_over(upload, people):
    batch = upload(csv_bytes([person_row(p) for p in people]))
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.CHECKING)
    batch = batch_check(batch_id=batch.pk)
    assert (batch.status, batch.n_ready, batch.rows_checked) == (Batch.Status.CHECKED, 5, 5)
    assert BatchRow.objects.filter(batch=batch).count() == 5


def test_ids_typed_with_lower_case_x_spaces_and_full_width_digits_are_found(upload, regions):
    import datetime

    person = InsuredPersonFactory(region=regions["chongqing"], born=datetime.date(1949, 12, 31))
    person.national_id = "11010519491231002X"
    person.save(update_fields=["national_id"])
    typed = " １１０１０５ １９４９１２３１ ００２x "
    batch = upload(csv_bytes([[typed, person.name, "500100", "", ""]], encoding="gbk"))
    assert batch.n_ready == 1
    assert BatchRow.objects.get(batch=batch).national_id == "11010519491231002X"


def test_a_file_over_the_size_limit_is_refused(operator, settings):
    settings.BULK_ACTIVATION_MAX_MB = 0
    with pytest.raises(ValidationError) as exc:
        batch_upload(
            file=SimpleUploadedFile("a.csv", csv_bytes([["1", "2", "3"]])),
            uploaded_by=operator,
        )
    assert exc.value.code == "too_large"
    assert not Batch.objects.exists()
