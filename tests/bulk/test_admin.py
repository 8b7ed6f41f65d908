"""The admin pages of bulk proxy activation: permission, upload, preview, confirm,
progress (htmx, 286 when done), report and template downloads."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bulk.models import Batch
from tests.bulk.files import csv_bytes, person_row
from tests.factories import InsuredPersonFactory
from wallet.models import Wallet

pytestmark = pytest.mark.django_db

LIST = reverse("admin:bulk_batch_changelist")
ADD = reverse("admin:bulk_batch_add")


def page(batch):
    return reverse("admin:bulk_batch_change", args=[batch.pk])


@pytest.fixture
def people(regions):
    return InsuredPersonFactory.create_batch(3, region=regions["chongqing"])


@pytest.fixture
def batch(checked, people):
    return checked(people)


@pytest.fixture
def staff_client(django_user_model):
    user = django_user_model.objects.create_user(
        username="clerk", password="Clerk-2026-pw", is_staff=True
    )
    client = Client()
    client.force_login(user)
    return client


def test_staff_without_the_permission_get_403_and_see_no_link(staff_client, batch):
    urls = [
        LIST,
        ADD,
        page(batch),
        reverse("admin:bulk_batch_progress", args=[batch.pk]),
        reverse("admin:bulk_batch_report", args=[batch.pk, "csv"]),
        reverse("admin:bulk_batch_template", args=["xlsx"]),
    ]
    for url in urls:
        assert staff_client.get(url).status_code == 403, url
    for action in ("confirm", "cancel", "resume"):
        url = reverse(f"admin:bulk_batch_{action}", args=[batch.pk])
        assert staff_client.post(url).status_code == 403
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CHECKED
    assert LIST not in staff_client.get("/admin/").content.decode()


def test_people_who_are_not_staff_are_sent_to_log_in(user_client, batch):
    response = user_client.get(page(batch))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_permission_shows_the_link_and_the_list(
    operator_client, batch, django_assert_max_num_queries
):
    assert LIST in operator_client.get("/admin/").content.decode()
    with django_assert_max_num_queries(8):
        html = operator_client.get(LIST).content.decode()
    assert batch.original_name in html and page(batch) in html


def test_upload_checks_the_file_and_shows_the_preview(
    operator_client, people, eager, django_capture_on_commit_callbacks, english
):
    rows = [person_row(p) for p in people] + [["110105194912310022", "无此人", "500100", "", ""]]
    english(operator_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            ADD, {"file": SimpleUploadedFile("list.csv", csv_bytes(rows))}
        )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == page(batch)
    html = operator_client.get(page(batch)).content.decode()
    assert "checked: waiting for confirmation" in html
    assert "Open 3 wallets" in html
    assert "W2-05: The check digit" in html  # the first problems, in the reader's language
    assert "1101**********0022" in html and "110105194912310022" not in html  # masked (A1)
    assert not Wallet.objects.exists()


def test_a_utf16_file_from_excel_is_accepted_by_the_upload_page(operator_client, people):
    data = csv_bytes([person_row(p) for p in people], encoding="utf-16", delimiter="\t")
    page = operator_client.post(ADD, {"file": SimpleUploadedFile("名单.txt", data)})
    assert page.status_code == 302
    assert page.url == reverse("admin:bulk_batch_change", args=[Batch.objects.get().pk])


def test_a_bad_file_is_refused_next_to_the_field_and_nothing_is_stored(operator_client):
    data = csv_bytes([["1", "2"]], header=["身份证号", "姓名"])
    response = operator_client.post(ADD, {"file": SimpleUploadedFile("x.csv", data)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "缺少列" in html and "使用地 / usage_location" in html
    assert not Batch.objects.exists()


def test_confirm_runs_the_job_and_progress_stops_polling_when_done(
    operator_client, batch, eager, django_capture_on_commit_callbacks
):
    progress = reverse("admin:bulk_batch_progress", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(reverse("admin:bulk_batch_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Wallet.objects.count() == 3
    response = operator_client.get(progress, HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # htmx stops polling
    html = response.content.decode()
    assert 'aria-valuenow="100"' in html and "hx-trigger" not in html
    assert "<html" not in html  # only the section


def test_progress_keeps_polling_while_the_job_runs(operator_client, batch, english):
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING, n_ready=2, n_activated=1)
    english(operator_client)
    response = operator_client.get(
        reverse("admin:bulk_batch_progress", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="33"' in html
    assert "1 of 3 rows done" in html


def test_cancel(operator_client, batch):
    operator_client.post(reverse("admin:bulk_batch_cancel", args=[batch.pk]))
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CANCELLED
    assert not Wallet.objects.exists()


def test_a_batch_that_does_not_exist_is_404_on_every_page(operator_client, batch):
    missing = batch.pk + 1000
    for action in ("confirm", "cancel", "resume"):
        for pk in (missing, 10**30):
            url = reverse(f"admin:bulk_batch_{action}", args=[pk])
            assert operator_client.post(url).status_code == 404, url
    for url in (
        reverse("admin:bulk_batch_change", args=[missing]),
        reverse("admin:bulk_batch_progress", args=[missing]),
        reverse("admin:bulk_batch_report", args=[missing, "csv"]),
        reverse("admin:bulk_batch_report", args=[missing, "xlsx"]),
        "/admin/wallet/batch/abc/change/",
        f"/admin/wallet/batch/{10**30}/progress/",
    ):
        assert operator_client.get(url).status_code == 404, url
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED


def test_the_batch_page_costs_a_few_queries(operator_client, batch, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert operator_client.get(page(batch)).status_code == 200


def test_report_csv_in_the_readers_language_with_formulas_neutralised(
    operator_client, upload, people, run_batch, english
):
    rows = [person_row(p) for p in people]
    rows[0][4] = '=HYPERLINK("http://evil","x")'
    rows.append(["=1+2", "@SUM(A1)", "+1", "", "-2"])
    batch = run_batch(upload(csv_bytes(rows)))
    english(operator_client)
    response = operator_client.get(reverse("admin:bulk_batch_report", args=[batch.pk, "csv"]))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0] == [
        "row",
        "national ID number",
        "person's name",
        "usage location",
        "phone",
        "note",
        "outcome",
        "reason",
    ]
    assert len(lines) == 1 + 4
    assert lines[1][0] == "2" and lines[1][6] == "opened"
    assert lines[1][5] == '\'=HYPERLINK("http://evil","x")'
    assert lines[4][1:3] == ["'=1+2", "'@SUM(A1)"] and lines[4][5] == "'-2"
    assert lines[4][6] == "not opened: problem in the row" and lines[4][7].startswith("W2-07")
    assert people[0].national_id not in body


def test_report_xlsx_in_chinese_by_default(operator_client, upload, people, run_batch):
    rows = [person_row(p) for p in people] + [["=1+2", "x", "500100", "", ""]]
    batch = run_batch(upload(csv_bytes(rows)))
    response = operator_client.get(reverse("admin:bulk_batch_report", args=[batch.pk, "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["行号", "身份证号码", "姓名"]
    assert values[1][6] == "已开通"
    assert sheet.cell(row=5, column=2).value == "=1+2"
    assert sheet.cell(row=5, column=2).data_type == "s"  # a string, never a formula


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_files_can_be_filled_in_and_uploaded(operator_client, people, kind, upload):
    response = operator_client.get(reverse("admin:bulk_batch_template", args=[kind]))
    assert response.status_code == 200
    if kind == "csv":
        header = response.content.decode("utf-8-sig").strip()
        assert header == "身份证号,姓名,使用地,手机号,备注"
        data = response.content + csv_bytes([person_row(p) for p in people], header=None)
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        assert [c.value for c in sheet[1]] == ["身份证号", "姓名", "使用地", "手机号", "备注"]
        assert sheet.cell(row=2, column=1).number_format == "@"  # IDs stay text
        for row in (person_row(p) for p in people):
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()
    batch = upload(data, f"template.{kind}")
    assert batch.n_ready == 3


def test_english_template(operator_client, english):
    english(operator_client)
    response = operator_client.get(reverse("admin:bulk_batch_template", args=["csv"]))
    assert (
        response.content.decode("utf-8-sig").strip() == "national_id,name,usage_location,phone,note"
    )


def test_time_left_follows_the_pace_since_the_start(operator_client, batch, english):
    import datetime

    import time_machine
    from django.utils import timezone

    start = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.RUNNING, started_at=start, ready_at_start=400, n_ready=300
    )
    with time_machine.travel(start + datetime.timedelta(seconds=10), tick=False):
        running = Batch.objects.get(pk=batch.pk)
        assert running.time_left() == datetime.timedelta(seconds=30)  # 100 rows in 10 s
        english(operator_client)
        html = operator_client.get(page(batch)).content.decode()
    assert "time left" in html and "30 s" in html


def test_a_stalled_job_can_be_resumed_from_the_page(
    operator_client, batch, operator, eager, django_capture_on_commit_callbacks
):
    import datetime

    import time_machine
    from django.utils import timezone

    from bulk.services import batch_confirm

    batch_confirm(batch_id=batch.pk, acting_user=operator, queue_run=False)  # never ran
    resume = reverse("admin:bulk_batch_resume", args=[batch.pk])
    assert resume not in operator_client.get(page(batch)).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        html = operator_client.get(page(batch)).content.decode()
        assert resume in html
        with django_capture_on_commit_callbacks(execute=True):
            operator_client.post(resume)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DONE
    assert Wallet.objects.count() == 3


def test_polling_the_progress_costs_a_few_queries(
    operator_client, batch, django_assert_max_num_queries
):
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING)
    url = reverse("admin:bulk_batch_progress", args=[batch.pk])
    with django_assert_max_num_queries(6):
        assert operator_client.get(url, HTTP_HX_REQUEST="true").status_code == 200
