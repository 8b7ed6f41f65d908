"""Sign up, log out, log in and switch language in a real browser (A1 sign-up)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from accounts.models import OutboundMessage
from tests.factories import InsuredPersonFactory, chongqing


def texted_code(phone: str) -> str:
    message = OutboundMessage.objects.filter(phone=phone).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", message.readable_body)[1]


@pytest.mark.django_db(transaction=True)
def test_sign_up_with_the_texted_code_log_in_by_phone_and_switch_language(live_server, page: Page):
    record = InsuredPersonFactory(
        name="张敏", region=chongqing(), born=datetime.date(1990, 4, 2), phone="13900007777"
    )
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("link", name="注册").first.click()

    # Step 1: name and ID number only find the record; a code goes to its phone.
    page.get_by_label("姓名").fill("张敏")
    page.get_by_label("身份证号").fill(record.national_id.lower())
    page.get_by_role("button", name="继续").click()
    expect(page.locator("#code-sent")).to_contain_text("我们已向该记录中的手机号发送 6 位验证码")
    assert not get_user_model().objects.filter(username="zhangmin").exists()

    # Step 2: the code from the outbox, the username and the password.
    page.get_by_label("短信验证码").fill(texted_code("13900007777"))
    page.get_by_label("用户名").fill("zhangmin")
    page.locator("#id_password1").fill("Family-2026-pw")
    page.get_by_label("密码确认").fill("Family-2026-pw")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_role("heading", name="欢迎，张敏")).to_be_visible()
    record.refresh_from_db()
    assert record.user.username == "zhangmin"

    # Log out, then in again by phone number.
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名或手机号").fill("139 0000 7777")
    page.locator("#id_password").fill("Family-2026-pw")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="欢迎，张敏")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Welcome, 张敏")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="欢迎，张敏")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_forgotten_password_by_texted_code(live_server, page: Page):
    user = get_user_model().objects.create_user("zhangmin", password="Old-pass-2026")
    InsuredPersonFactory(name="张敏", region=chongqing(), user=user, phone="13900007777")
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="忘记密码？").click()
    page.get_by_label("用户名或手机号").fill("13900007777")
    page.get_by_role("button", name="继续").click()
    page.get_by_label("短信验证码").fill(texted_code("13900007777"))
    page.locator("#id_new_password1").fill("New-pass-2026")
    page.locator("#id_new_password2").fill("New-pass-2026")
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()
    page.get_by_label("用户名或手机号").fill("zhangmin")
    page.locator("#id_password").fill("New-pass-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="欢迎，张敏")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_lockout_says_when_to_try_again(live_server, page: Page):
    user = get_user_model().objects.create_user("zhangmin", password="Family-2026-pw")
    InsuredPersonFactory(name="张敏", region=chongqing(), user=user)
    page.goto(f"{live_server.url}/login/")
    for _ in range(4):
        page.get_by_label("用户名或手机号").fill("zhangmin")
        page.locator("#id_password").fill("wrong-guess")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("用户名或手机号与密码不匹配")).to_be_visible()
    expect(page.get_by_text("再错 1 次，此账号将被锁定 15 分钟")).to_be_visible()
    page.get_by_label("用户名或手机号").fill("zhangmin")
    page.locator("#id_password").fill("wrong-guess")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="登录暂时锁定")).to_be_visible()
    expect(page.locator("#locked-out")).to_contain_text("请在")
    expect(page.locator("#locked-out")).to_contain_text("之后再试")


@pytest.mark.django_db(transaction=True)
def test_an_expired_form_sent_by_htmx_shows_the_reload_page(live_server, page: Page):
    """A button that posts through htmx with a stale CSRF token (another tab logged
    in or out) shows the 'reload' page instead of silently doing nothing."""
    user = get_user_model().objects.create_user("zhangmin", password="Family-2026-pw")
    me = InsuredPersonFactory(name="张敏", region=chongqing(), user=user)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或手机号").fill("zhangmin")
    page.locator("#id_password").fill("Family-2026-pw")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(f"#qr-{me.pk} svg")).to_be_visible()
    page.evaluate(
        """() => {
          document.body.setAttribute("hx-headers", '{"X-CSRFToken": "stale"}');
          for (const input of document.querySelectorAll("input[name=csrfmiddlewaretoken]")) {
            input.value = "stale";
          }
        }"""
    )
    page.locator(f"#qr-{me.pk}").get_by_role("button", name="刷新医保码").click()
    expect(page.get_by_role("heading", name="页面已过期")).to_be_visible()
    expect(page.get_by_text("请刷新页面后重新提交")).to_be_visible()
