"""Bulk proxy activation in a real browser with a real Celery worker over Redis
(W2): upload a small file, see the dry run, confirm, watch the progress bar
reach 100 %, leave and come back, download the per-row report."""

import io
import uuid
from pathlib import Path

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from portal.celery import app
from tests.bulk.files import csv_bytes, person_row
from tests.factories import InsuredPersonFactory, chongqing, guangzhou
from wallet.models import Wallet


@pytest.fixture
def worker(settings):
    """A worker of this test's own, on a private queue (parallel runs don't mix)."""
    queue = f"test-bulk-{uuid.uuid4().hex}"
    settings.BULK_ACTIVATION_QUEUE = queue
    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, queues=[queue]):
        yield


@pytest.mark.django_db(transaction=True)
def test_upload_confirm_watch_progress_and_download_the_report(
    live_server, page: Page, worker, settings, tmp_path, django_user_model
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BULK_ACTIVATION_CHUNK = 4  # several chunks: the bar moves
    from wallet.defaults import ensure_defaults

    ensure_defaults()
    region = chongqing()
    guangzhou()
    people = InsuredPersonFactory.create_batch(12, region=region)
    rows = [person_row(p, location="重庆") for p in people]
    rows.append([people[0].national_id, people[0].name, "重庆", "", ""])  # a duplicate
    wrong = "1" if people[1].national_id[17] != "1" else "2"  # a wrong check digit
    rows.append([people[1].national_id[:17] + wrong, "某人", "广州", "", "=1+1"])
    path = tmp_path / "代开通名单.csv"
    path.write_bytes(csv_bytes(rows, encoding="gbk"))

    operator = django_user_model.objects.create_user(
        username="shequ", password="Centre-2026-pw", is_staff=True
    )
    operator.user_permissions.add(Permission.objects.get(codename="bulk_proxy_activate"))

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("用户名").fill("shequ")
    page.get_by_label("密码").fill("Centre-2026-pw")
    page.get_by_role("button", name="登录").click()
    # The model link (the app, Bulk proxy activation, has a section link of its own).
    page.locator('a[href$="/admin/bulk/batch/"]').first.click()
    expect(page.get_by_role("heading", name="批量代开通")).to_be_visible()

    page.get_by_label("待开通人员名单文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()

    # The dry run: counts and the first problems, nothing opened yet.
    confirm = page.get_by_role("button", name="开通 12 个钱包")
    expect(confirm).to_be_visible(timeout=20_000)
    expect(page.locator("#bulk-preview")).to_contain_text("14")
    expect(page.locator("#bulk-problems")).to_contain_text("W2-40")
    expect(page.locator("#bulk-problems")).to_contain_text("W2-05")
    assert not Wallet.objects.exists()

    confirm.click()
    expect(page.locator("#bulk-state")).to_be_visible()
    # Leave the page and come back: the job goes on.
    page.get_by_role("link", name="批量代开通").last.click()
    expect(page.locator("#bulk-batches")).to_contain_text("代开通名单.csv")
    page.locator("#bulk-batches a").first.click()

    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    expect(page.locator("#bulk-status")).to_have_text("已完成")
    expect(page.locator("#bulk-counts")).to_contain_text("已开通: 12")
    assert Wallet.objects.filter(by_proxy=True, opened_by=operator).count() == 12

    with page.expect_download() as download:
        page.locator("#bulk-report").get_by_role("link", name="Excel（.xlsx）").click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    values = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert values[0][0] == "行号" and len(values) == 1 + 14
    assert {row[6] for row in values[1:13]} == {"已开通"}
    assert values[13][6] == "跳过：重复行"
    assert values[14][7].startswith("W2-05") and values[14][5] == "=1+1"

    with page.expect_download() as download:
        page.locator("#bulk-report").get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("行号,身份证号码,姓名") and "'=1+1" in text
