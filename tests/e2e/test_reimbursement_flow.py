"""An out-of-pocket claim in a real browser, submitted → paid (M1–M5), with
four eyes (S2): the family files it with an invoice and the list of expenses,
a reviewer takes it and enters the lines, approves; the amount is above the
four-eyes amount, so a second reviewer approves; finance marks it paid; the
family sees each step on the claim's page."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from accounts.staff_roles import FINANCE, REVIEWER
from claims.models import ReimbursementClaim
from core import clock
from tests.claims.factories import CHONGQING_RESIDENT, directory, policy
from tests.factories import FacilityFactory, InsuredPersonFactory, chongqing

PASSWORD = "Claims-2026-pw"


@pytest.fixture(autouse=True)
def _private_documents(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "claims_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def staff_page(browser: Browser, base: str, username: str, role: str) -> Page:
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    log_in(page, base, username)
    return page


def run_action(page: Page, base: str, claim, action: str) -> None:
    page.goto(f"{base}/admin/claims/reimbursementclaim/")
    page.locator(f"input[name=_selected_action][value='{claim.pk}']").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="执行").click()


@pytest.mark.django_db(transaction=True)
def test_claim_submitted_to_paid_with_four_eyes(
    live_server, page: Page, browser: Browser, settings, tmp_path
):
    settings.FOUR_EYES_AMOUNT = "100.00"
    year = clock.localdate().year
    region = chongqing()
    directory(year)
    policy(region, year=year, rules=CHONGQING_RESIDENT)
    # The groups of S1 (a transactional test empties the tables; migrate's sync
    # runs again after the flush, but say it plainly).
    from accounts.staff_roles import sync_staff_roles

    sync_staff_roles()
    user = get_user_model().objects.create_user("lihua", password=PASSWORD)
    me = InsuredPersonFactory(region=region, insurance_type="resident", user=user, name="李华")
    hospital = FacilityFactory(region=region, tier=1, name="江北区人民医院")
    invoice = tmp_path / "fapiao.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice")
    expenses = tmp_path / "qingdan.jpg"
    expenses.write_bytes(b"\xff\xd8\xff\xe0 list")
    base = live_server.url

    # 1. The family files the claim (M1).
    log_in(page, base, "lihua")
    page.goto(f"{base}/claims/reimbursements/")
    page.get_by_role("link", name="新建报销").click()
    page.locator("#id_person").select_option(str(me.pk))
    page.locator("#id_facility").select_option(str(hospital.pk))
    page.locator("#id_why").select_option("not_connected")
    day = clock.localdate().replace(day=1).isoformat()
    page.locator("#id_care_from").fill(day)
    page.locator("#id_care_until").fill(day)
    page.locator("#id_amount_paid").fill("300.00")
    page.locator("#id_invoices").set_input_files(str(invoice))
    page.locator("#id_expense_lists").set_input_files(str(expenses))
    page.locator("#id_bank_name").fill("中国银行")
    page.locator("#id_bank_account").fill("6217 0000 1234 5678")
    page.locator("#id_account_holder").fill("李华")
    page.get_by_role("button", name="提交报销申请").click()
    expect(page.get_by_text("报销申请已提交")).to_be_visible()
    expect(page.locator("#status strong")).to_have_text("已提交")
    claim = ReimbursementClaim.objects.get(person=me)

    # 2. A reviewer takes it, enters the lines (computed on save, M3), approves.
    first = staff_page(browser, base, "shenhe1", REVIEWER)
    run_action(first, base, claim, "start_review")
    first.goto(f"{base}/admin/claims/reimbursementclaim/{claim.pk}/change/")
    first.locator("#id_lines-0-code").fill("A100")
    first.locator("#id_lines-0-quantity").fill("1")
    first.locator("#id_lines-0-unit_price").fill("300.00")
    first.locator("input[name=_save]").click()
    claim.refresh_from_db()
    assert str(claim.payable) == "180.00"  # C3: tier 1, 60 %
    run_action(first, base, claim, "approve")
    expect(first.get_by_text("须由另一名工作人员复核批准")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "under_review"
    page.reload()
    expect(page.locator("#status strong")).to_have_text("审核中")

    # 3. S2: the same reviewer cannot approve twice; a second one approves.
    run_action(first, base, claim, "approve")
    expect(first.get_by_text("不能批准由您本人经办的事项")).to_be_visible()
    second = staff_page(browser, base, "shenhe2", REVIEWER)
    run_action(second, base, claim, "approve")
    claim.refresh_from_db()
    assert claim.status == "approved"

    # 4. Finance pays to the masked account with the bank's reference (M5).
    cashier = staff_page(browser, base, "caiwu", FINANCE)
    run_action(cashier, base, claim, "pay")
    cashier.locator("#id_reference").fill("BOC-E2E-1")
    cashier.get_by_role("button", name="是的，我确定").click()
    claim.refresh_from_db()
    assert claim.status == "paid"

    # 5. The family sees it paid, and the messages of every step (M2).
    page.goto(f"{base}{claim.get_absolute_url()}")
    expect(page.locator("#status strong")).to_have_text("已支付")
    expect(page.locator("#payable")).to_have_text("¥180.00")
    expect(page.get_by_text("BOC-E2E-1")).to_be_visible()
    expect(page.get_by_text("**** 5678")).to_be_visible()
    page.goto(f"{base}/messages/")
    expect(page.get_by_text("已转入您的银行账户")).to_be_visible()
