"""Log-in, log-out and password change (sign-up: test_signup.py)."""

from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _error_near(html: str, field: str) -> str:
    """The text of the field group around `field`'s input (where its errors show)."""
    start = html.index(f'id="id_{field}"')
    group = html.rindex('<div class="field', 0, start)
    end = html.find('<div class="field', start)
    return unescape(html[group:end])


def test_login_and_logout(client, user):
    response = client.post(reverse("login"), {"username": "lihua", "password": "Secr3t-pass!"})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].is_authenticated
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_a_typed_logout_address_asks_before_logging_out(client, user):
    """GET /logout/ (a bookmark, a typed address) neither logs out nor answers an
    empty 405: it shows the button; a signed-out visitor is sent home."""
    assert client.get(reverse("logout")).status_code == 302
    client.force_login(user)
    response = client.get(reverse("logout"))
    html = response.content.decode()
    assert response.status_code == 200 and "退出登录" in html and "lihua" in html
    assert client.get(reverse("home")).context["user"].is_authenticated
    client.post(reverse("logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_wrong_password_keeps_the_username(client, user, english):
    response = english(client).post(reverse("login"), {"username": "lihua", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="lihua"' in html
    assert "The username or phone number and the password do not match" in html


def test_password_change(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {
            "old_password": "Secr3t-pass!",
            "new_password1": "N3w-pass-word",
            "new_password2": "N3w-pass-word",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("N3w-pass-word")


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_base_template_has_htmx_and_csrf_header(user_client):
    html = user_client.get(reverse("home")).content.decode()
    assert "htmx" in html and ".js" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_password_change_errors_sit_by_their_field_in_chinese(user_client):
    response = user_client.post(
        reverse("password_change"),
        {"old_password": "wrong-old-pw", "new_password1": "N3w-pass-word", "new_password2": "x"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "旧密码不正确" in _error_near(html, "old_password")
    assert "不一致" in _error_near(html, "new_password2")
    assert "wrong-old-pw" not in html and "N3w-pass-word" not in html  # passwords not echoed


def test_login_error_is_in_chinese_by_default(client, user):
    html = client.post(reverse("login"), {"username": "lihua", "password": "nope"}).content
    assert "用户名或手机号与密码不匹配" in html.decode()


@pytest.mark.parametrize(
    ("language", "expected", "unwanted"),
    [
        ("zh-hans", ["密码太短：至少需要 8 个字符", "不能全是数字"], ["This password", "你的"]),
        ("en", ["This password is too short: it needs at least 8 characters."], []),
    ],
)
def test_password_rules_speak_the_portals_language(user_client, language, expected, unwanted):
    user_client.cookies["django_language"] = language
    response = user_client.post(
        reverse("password_change"),
        {"old_password": "Secr3t-pass!", "new_password1": "123", "new_password2": "123"},
    )
    html = unescape(response.content.decode())
    for text in expected:
        assert text in html
    for text in unwanted:
        assert text not in html
