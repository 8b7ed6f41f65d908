"""A family's claims in a real browser (C5, C6, T1): apply for a chronic-disease
recognition, an administrator approves it and enters and settles a bill in the
admin, the family sees it on the family page, then downloads the annual summary
PDF."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Facility
from claims.demo import load_reference_data
from claims.models import Bill
from tests.factories import InsuredPersonFactory, chongqing


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.mark.django_db(transaction=True)
def test_chronic_recognition_bill_family_page_and_summary_pdf(live_server, page: Page, browser):
    today = timezone.localdate()
    load_reference_data(years=[today.year])
    User = get_user_model()
    user = User.objects.create_user("zhangwei", password="Family-2026-pw")
    User.objects.create_superuser("boss", "boss@example.invalid", "Admin-2026-pw")
    me = InsuredPersonFactory(region=chongqing(), insurance_type="resident", user=user, name="张伟")
    tertiary = Facility.objects.get(code="H500100004")  # 重庆医科大学附属第一医院, tier 3

    # 1. The user applies for the recognition of hypertension (C5).
    log_in(page, live_server.url, "zhangwei", "Family-2026-pw")
    page.get_by_role("link", name="门诊慢特病").first.click()
    page.get_by_label("患者").select_option(str(me.pk))
    page.get_by_label("病种").select_option(label="高血压")
    page.get_by_label("医院").select_option(str(tertiary.pk))
    page.get_by_label("诊断").fill("原发性高血压 2级")
    page.get_by_role("button", name="申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    expect(page.get_by_text("等待审核")).to_be_visible()

    # 2. An administrator approves it and enters a bill, then settles it.
    admin_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    admin = admin_context.new_page()
    log_in(admin, live_server.url, "boss", "Admin-2026-pw")
    admin.goto(f"{live_server.url}/admin/claims/chronicrecognition/")
    admin.locator("input[name=_selected_action]").first.check()
    admin.locator("select[name=action]").select_option("approve")
    admin.get_by_role("button", name="执行").click()
    admin.get_by_role("button", name="是的，我确定").click()
    expect(admin.get_by_text("已批准 1 项认定")).to_be_visible()

    admin.goto(f"{live_server.url}/admin/claims/bill/add/")
    admin.locator("#id_reference").fill("E2E-1")
    admin.locator("#id_person").fill(str(me.pk))
    admin.locator("#id_facility").fill(str(tertiary.pk))
    admin.locator("#id_service_date").fill(today.isoformat())
    admin.locator("#id_visit").select_option("outpatient")
    admin.locator("#id_disease").select_option(label="高血压")
    admin.locator("#id_lines-0-code").fill("S0003")  # 主任医师门诊诊查费 30.00 (class A)
    admin.locator("#id_lines-0-quantity").fill("1")
    admin.locator("#id_lines-0-unit_price").fill("30.00")
    admin.locator("#id_lines-1-code").fill("D0001")  # 阿莫西林胶囊 9.80 (class A)
    admin.locator("#id_lines-1-quantity").fill("2")
    admin.locator("#id_lines-1-unit_price").fill("9.80")
    admin.get_by_role("button", name="保存并结算").click()
    expect(admin.get_by_text("单据 E2E-1 已结算")).to_be_visible()
    bill = Bill.objects.get(reference="E2E-1")
    # C4: tier 3 with the recognition: 40 % of (30.00 + 2 × 9.80 = 49.60) = 19.84
    assert bill.care_type == "chronic_outpatient"
    assert str(bill.fund_paid) == "19.84"
    admin_context.close()

    # 3. The family page shows this year's costs; the bill shows why.
    page.goto(live_server.url)
    card = page.locator(f"#person-{me.pk}")
    expect(card.get_by_text("49.60")).to_be_visible()
    expect(card.get_by_text("19.84")).to_be_visible()
    card.get_by_role("link", name="医疗费用").click()
    page.get_by_role("link", name=today.strftime("%Y-%m-%d")).click()
    expect(page.get_by_text("已认定门诊慢特病").first).to_be_visible()
    expect(page.get_by_text("C5-01")).to_have_count(0)  # codes are for administrators

    # 4. The annual summary, downloaded as PDF.
    page.get_by_role("link", name="年度汇总").first.click()
    expect(page.locator(f"#summary-{me.pk}")).to_be_visible()
    with page.expect_download() as download_info:
        page.locator(f"#summary-{me.pk}").get_by_role("link", name="下载 PDF").click()
    path = download_info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(4) == b"%PDF"
