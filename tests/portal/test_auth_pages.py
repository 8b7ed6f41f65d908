"""Sign-up, log-in, log-out and password change (issue 2, item 5)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signup_creates_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "wangfang", "password1": "Lo7g-enough-pw", "password2": "Lo7g-enough-pw"},
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="wangfang").exists()
    home = client.get(reverse("home"))
    assert home.context["user"].username == "wangfang"


def test_signup_error_is_shown_next_to_the_field_and_keeps_input(client, english):
    english(client)
    response = client.post(
        reverse("signup"),
        {"username": "wangfang", "password1": "Lo7g-enough-pw", "password2": "different-pw-9"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The mismatch message sits in the password2 field group, and the username stays.
    field_start = html.index('id="id_password2"')
    assert "didn’t match" in html[field_start - 600 : field_start + 600]
    assert 'value="wangfang"' in html
    assert not get_user_model().objects.filter(username="wangfang").exists()


def test_signup_errors_are_in_chinese_by_default(client):
    response = client.post(reverse("signup"), {"username": "", "password1": "", "password2": ""})
    assert "这个字段是必填项" in response.content.decode()


def test_login_and_logout(client, user):
    response = client.post(reverse("login"), {"username": "lihua", "password": "Secr3t-pass!"})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].is_authenticated
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_wrong_password_keeps_the_username(client, user, english):
    response = english(client).post(reverse("login"), {"username": "lihua", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="lihua"' in html
    assert "Please enter a correct username and password" in html


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
