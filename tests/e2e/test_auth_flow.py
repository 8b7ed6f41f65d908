"""Sign up, log out, log in and switch language in a real browser (A1 sign-up)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.factories import InsuredPersonFactory, chongqing


@pytest.mark.django_db(transaction=True)
def test_sign_up_log_in_and_switch_language(live_server, page: Page):
    record = InsuredPersonFactory(name="张敏", region=chongqing(), born=datetime.date(1990, 4, 2))
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("link", name="注册").first.click()

    page.get_by_label("用户名").fill("zhangmin")
    page.get_by_label("姓名").fill("张敏")
    page.get_by_label("身份证号").fill(record.national_id.lower())
    page.locator("#id_password1").fill("Family-2026-pw")
    page.get_by_label("密码确认").fill("Family-2026-pw")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_role("heading", name="欢迎，zhangmin")).to_be_visible()
    assert get_user_model().objects.filter(username="zhangmin").exists()
    record.refresh_from_db()
    assert record.user.username == "zhangmin"
    expect(page.get_by_role("heading", name="张敏")).to_be_visible()

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名").fill("zhangmin")
    page.locator("#id_password").fill("Family-2026-pw")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="欢迎，zhangmin")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Welcome, zhangmin")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="欢迎，zhangmin")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_an_expired_form_sent_by_htmx_shows_the_reload_page(live_server, page: Page):
    """A button that posts through htmx with a stale CSRF token (another tab logged
    in or out) shows the 'reload' page instead of silently doing nothing."""
    user = get_user_model().objects.create_user("zhangmin", password="Family-2026-pw")
    me = InsuredPersonFactory(name="张敏", region=chongqing(), user=user)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("zhangmin")
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
