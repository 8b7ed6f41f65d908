"""The wallet in a real browser (W1, W2, W8, W9): open a wallet, proxy-open a parent's,
send money, the parent accepts; a second transfer left pending is swept back after
the clock moves to the next morning."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.wallet.factories import make_family
from wallet.defaults import ensure_defaults
from wallet.models import Transfer
from wallet.services import transfers_sweep

CST = datetime.timezone(datetime.timedelta(hours=8))
PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory


def log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome, "))).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_open_proxy_open_send_accept_and_the_morning_sweep(live_server, page: Page, time_machine):
    today = datetime.datetime.now(CST).date()
    time_machine.move_to(datetime.datetime.combine(today, datetime.time(10, 0), CST))
    ensure_defaults()
    fam = make_family(balance="5000.00", open_wallets=False, username="zhangwei")
    employee, parent = fam["employee"], fam["parent"]
    base = live_server.url

    # The employee opens their own wallet...
    log_in(page, base, "zhangwei")
    page.goto(f"{base}/wallet/")
    page.locator(f"#money-{employee.pk}").get_by_role("link", name="Open my wallet").click()
    page.get_by_role("button", name="Open wallet").click()
    expect(page.get_by_text(f"{employee.name}'s wallet is open.")).to_be_visible()
    # ...and the parent's, by proxy (W2).
    page.locator(f"#money-{parent.pk}").get_by_role("link", name="Open the wallet for them").click()
    page.get_by_role("button", name="Open wallet").click()
    expect(page.locator(f"#money-{parent.pk}").get_by_text("opened by proxy")).to_be_visible()

    # Send 300.00; the live check shows what is left today.
    page.get_by_role("link", name="Send money").first.click()
    expect(page.locator("#allowance")).to_contain_text("3 of 3 left today, up to ¥2,000.00 each")
    page.get_by_label("To").select_option(str(parent.pk))
    page.get_by_label("Amount (yuan)").fill("300.00")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(f"¥300.00 is on its way to {parent.name}")).to_be_visible()
    expect(page.locator("#allowance")).to_contain_text("is waiting to be accepted")

    # The parent accepts with their own login.
    log_in(page, base, fam["parent_user"].username)
    page.goto(f"{base}/wallet/")
    page.locator("#pending").get_by_role("button", name="Accept").click()
    expect(page.locator("#pending")).to_contain_text("is now in")
    page.reload()
    expect(page.get_by_test_id(f"wallet-{parent.pk}")).to_have_text("¥300.00")

    # A second transfer is left pending...
    log_in(page, base, "zhangwei")
    page.goto(f"{base}/wallet/transfer/")
    page.get_by_label("To").select_option(str(parent.pk))
    page.get_by_label("Amount (yuan)").fill("200.00")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("¥200.00 is on its way")).to_be_visible()
    page.goto(f"{base}/wallet/")
    expect(page.get_by_test_id(f"personal-{employee.pk}")).to_have_text("¥4,500.00")

    # ...and the morning sweep returns it after 06:00 the next day (W9).
    next_morning = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(6, 0, 1), CST
    )
    time_machine.move_to(next_morning)
    assert transfers_sweep() == 1
    # The night ended the session (at most 12 hours, 30 minutes idle): log in again.
    page.reload()
    expect(page.get_by_text("Log in again to continue.")).to_be_visible()
    log_in(page, base, "zhangwei")
    page.goto(f"{base}/wallet/")
    expect(page.get_by_test_id(f"personal-{employee.pk}")).to_have_text("¥4,700.00")
    page.goto(f"{base}/wallet/history/?state=returned")
    second = Transfer.objects.get(amount="200.00")
    expect(page.locator(f"#history-{second.pk}")).to_contain_text("returned")
