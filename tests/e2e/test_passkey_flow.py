"""A passkey in a real browser (A10): Chromium's virtual authenticator stands in
for the phone's screen lock. Added on the passkeys page, asked for after the
password at the next login, and the login finishes with one press."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from portal.models import Passkey
from tests.factories import InsuredPersonFactory, UserFactory

PASSWORD = "Test-pass-2026"


def virtual_authenticator(page: Page) -> None:
    """A platform authenticator that says yes with the user verified (CDP)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def log_in(page: Page, base: str) -> None:
    page.goto(base + reverse("login"))
    page.get_by_label("用户名或手机号").fill("chenjing")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.mark.django_db(transaction=True)
def test_add_a_passkey_then_finish_the_next_login_with_it(live_server, page: Page):
    user = UserFactory(username="chenjing")
    InsuredPersonFactory(name="陈静", user=user)
    virtual_authenticator(page)
    log_in(page, live_server.url)
    expect(page.get_by_role("heading", name="欢迎，陈静")).to_be_visible()

    page.goto(live_server.url + reverse("passkeys"))
    page.get_by_label("给它起个名字").fill("我的电脑")
    page.get_by_label("您的密码").fill(PASSWORD)
    page.get_by_role("button", name="添加通行密钥").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    expect(page.locator("#passkey-list")).to_contain_text("我的电脑")
    assert Passkey.objects.filter(user=user).count() == 1

    # Next time, the password alone opens no page.
    page.get_by_role("button", name="退出登录").first.click()
    log_in(page, live_server.url)
    expect(page.get_by_role("heading", name="第二步：使用通行密钥")).to_be_visible()
    page.goto(live_server.url + reverse("wallet:index"))
    expect(page).to_have_url(re.compile(re.escape(reverse("passkey_login"))))
    page.get_by_role("button", name="使用我的通行密钥").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("wallet:index")) + "$"))
    assert Passkey.objects.get(user=user).last_used_at is not None
