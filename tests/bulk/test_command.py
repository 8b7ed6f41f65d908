"""manage.py proxy_activate: the same services, a progress bar, a dry run."""

import io

import pytest
from django.core.management import CommandError, call_command

from bulk.models import Batch
from core.models import AuditEvent
from tests.bulk.files import csv_bytes, person_row, xlsx_bytes
from tests.factories import InsuredPersonFactory
from wallet.models import Wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(regions):
    return InsuredPersonFactory.create_batch(5, region=regions["chongqing"])


@pytest.fixture
def list_file(tmp_path, people):
    path = tmp_path / "名单.csv"
    rows = [person_row(p) for p in people] + [["110105194912310022", "x", "500100", "", ""]]
    path.write_bytes(csv_bytes(rows, encoding="gbk"))
    return path


def run(*args, language="en"):
    out = io.StringIO()
    call_command("proxy_activate", *args, f"--language={language}", stdout=out)
    return out.getvalue()


def test_dry_run_checks_and_opens_nothing(list_file, operator):
    output = run(str(list_file), "--by", operator.username, "--dry-run")
    assert "100% 6/6" in output
    assert "6 rows: 5 ready to open" in output and "W2-05" in output
    assert "Dry run: nothing was opened" in output
    assert not Wallet.objects.exists()
    assert Batch.objects.get().status == Batch.Status.CHECKED


def test_run_opens_the_wallets_with_a_progress_bar_and_writes_the_report(
    list_file, operator, tmp_path, settings
):
    settings.BULK_ACTIVATION_CHUNK = 2
    report = tmp_path / "report.csv"
    output = run(str(list_file), "--by", operator.username, "--report", str(report))
    assert "[##############################] 100% 6/6 rows done" in output
    assert "Opened 5, skipped 0, not opened 1." in output
    assert Wallet.objects.filter(opened_by=operator, by_proxy=True).count() == 5
    assert AuditEvent.objects.filter(action="wallet.open", actor=operator).count() == 5
    text = report.read_text(encoding="utf-8-sig")
    assert text.count("\n") == 7 and "opened" in text

    again = run(str(list_file), "--by", operator.username)  # the same file again
    assert "0 ready to open, 5 already open" in again
    assert Wallet.objects.count() == 5


def test_a_report_path_that_cannot_be_written_is_refused_before_anything_is_done(
    list_file, operator, tmp_path
):
    for report, problem in (
        (tmp_path / "missing" / "report.csv", "the folder .* does not exist"),
        (tmp_path, "that is a folder"),
    ):
        with pytest.raises(CommandError, match=f"Cannot write the report to .*: {problem}"):
            run(str(list_file), "--by", operator.username, "--report", str(report))
    assert not Batch.objects.exists() and not Wallet.objects.exists()
    with pytest.raises(CommandError, match="报告"):
        run(
            str(list_file),
            "--by",
            operator.username,
            "--report",
            str(tmp_path),
            language="zh-hans",
        )


def test_chinese_output_by_default(list_file, operator, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_bytes([]))
    with pytest.raises(CommandError, match="没有数据行"):
        run(str(path), "--by", operator.username, language="zh-hans")


def test_refusals(list_file, operator, django_user_model, tmp_path):
    with pytest.raises(CommandError, match="No active user"):
        run(str(list_file), "--by", "nobody")
    django_user_model.objects.create_user(username="clerk", is_staff=True)
    with pytest.raises(CommandError, match="may not open wallets in bulk"):
        run(str(list_file), "--by", "clerk")
    pdf = tmp_path / "list.csv"
    pdf.write_bytes(b"%PDF-1.7 not a list")
    with pytest.raises(CommandError, match="PDF"):
        run(str(pdf), "--by", operator.username)
    assert not Batch.objects.exists()
