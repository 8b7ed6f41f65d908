"""Demo data for bulk proxy activation (W2): a list uploaded by the administrator
and checked, waiting for confirmation, with a row of each kind the preview
explains: one ready to open, one in a region where wallets are not live (W1),
one whose ID number does not exist. Safe to run again."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import InsuredPerson
from bulk.models import Batch
from bulk.services import batch_check, batch_upload

FILE_NAME = "演示-代开通名单.csv"


def _rows() -> list[str]:
    stranger = InsuredPerson.objects.filter(name="陈明").first()
    spouse = InsuredPerson.objects.filter(name="王芳").first()
    rows = ["身份证号,姓名,使用地,手机号,备注"]
    if stranger is not None:
        rows.append(f"{stranger.national_id},陈明,510100,,社区代开通")
    if spouse is not None:
        rows.append(f"{spouse.national_id},王芳,440100,,广东暂未开通钱包")
    rows.append("110101199001011234,查无此人,500100,,身份证号校验位错误")
    return rows


def load() -> None:
    admin = get_user_model().objects.filter(username="admin").first()
    if admin is None or Batch.objects.filter(original_name=FILE_NAME).exists():
        return
    data = ("\r\n".join(_rows()) + "\r\n").encode("utf-8")
    batch = batch_upload(
        file=SimpleUploadedFile(FILE_NAME, data), uploaded_by=admin, queue_check=False
    )
    batch_check(batch_id=batch.pk)
