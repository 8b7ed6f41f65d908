"""A finished batch's page: the rows that were not opened, each with its reason,
and no banner left over saying that wallets are being opened."""

import pytest
from django.urls import reverse

from bulk.models import Batch
from tests.bulk.files import csv_bytes, person_row
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def test_a_finished_batch_lists_its_rows_not_opened_and_no_opening_banner(
    operator_client, upload, regions, eager, django_capture_on_commit_callbacks
):
    people = InsuredPersonFactory.create_batch(2, region=regions["chongqing"])
    rows = [person_row(p) for p in people] + [["110101", "错号", "500100", "", ""]]
    batch = upload(csv_bytes(rows))
    page = reverse("admin:bulk_batch_change", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(reverse("admin:bulk_batch_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE
    html = operator_client.get(page).content.decode()
    assert "已完成" in html
    assert "正在开通钱包" not in html  # neither a banner nor the running status
    failed = html[html.index('id="bulk-failed"') :]
    failed = failed[: failed.index("</table>")]
    assert "错号" in failed and "W2-" in failed
    assert people[0].name not in failed  # opened rows are not listed
