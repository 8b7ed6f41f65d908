"""Sign-up (A1), log-in, log-out and password change."""

import datetime
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import InsuredPersonFactory, chongqing

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(db):
    """An insured person without a login yet, whose owner signs up."""
    return InsuredPersonFactory(name="王芳", region=chongqing(), born=datetime.date(1986, 7, 9))


def signup_data(record, **overrides) -> dict:
    return {
        "username": "wangfang",
        "name": record.name,
        "national_id": record.national_id,
        "password1": "Lo7g-enough-pw",
        "password2": "Lo7g-enough-pw",
        **overrides,
    }


def test_signup_claims_the_record_and_logs_in(client, record):
    response = client.post(reverse("signup"), signup_data(record))
    assert response.status_code == 302
    user = get_user_model().objects.get(username="wangfang")
    record.refresh_from_db()
    assert record.user == user  # A1: the login is linked to exactly this person
    home = client.get(reverse("home"))
    assert home.context["user"].username == "wangfang"
    assert [m.pk for m in home.context["members"]] == [record.pk]
    assert AuditEvent.objects.filter(action="person.claim", person=record, actor=user).exists()


def test_signup_accepts_the_id_as_people_type_it(client, record):
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in record.national_id.lower())  # full-width
    response = client.post(reverse("signup"), signup_data(record, national_id=typed))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.user.username == "wangfang"


def test_signup_error_is_shown_next_to_the_field_and_keeps_input(client, english, record):
    english(client)
    response = client.post(reverse("signup"), signup_data(record, password2="different-pw-9"))
    assert response.status_code == 200
    html = response.content.decode()
    # The mismatch message sits in the password2 field group, and the username stays.
    field_start = html.index('id="id_password2"')
    assert "didn’t match" in html[field_start - 600 : field_start + 600]
    assert 'value="wangfang"' in html
    assert f'value="{record.national_id}"' in html and 'value="王芳"' in html
    assert not get_user_model().objects.filter(username="wangfang").exists()


def _error_near(html: str, field: str) -> str:
    """The text of the field group around `field`'s input (where its errors show)."""
    start = html.index(f'id="id_{field}"')
    group = html.rindex('<div class="field', 0, start)
    end = html.find('<div class="field', start)
    return unescape(html[group:end])


@pytest.mark.parametrize(
    ("national_id", "message"),
    [
        ("5001001986070", "An ID number has 18 characters; this one has 13."),
        ("50010019860709001A", "An ID number is 17 digits followed by a digit or X."),
        ("500100198602300010", "The birth date in this ID number (1986-02-30) does not exist."),
        ("500100198607090010", "check digit is wrong"),
    ],
)
def test_signup_refuses_malformed_ids_next_to_the_field(client, english, record, national_id,
                                                        message):  # fmt: skip
    english(client)
    response = client.post(reverse("signup"), signup_data(record, national_id=national_id))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in _error_near(html, "national_id")
    assert f'value="{national_id}"' in html and 'value="wangfang"' in html


def test_unknown_id_and_wrong_name_give_the_same_answer(client, english, record):
    english(client)
    from accounts import national_id

    unknown = national_id.make("500100", datetime.date(1986, 7, 9), 333, "F")
    answers = []
    for data in (signup_data(record, national_id=unknown), signup_data(record, name="王小芳")):
        html = client.post(reverse("signup"), data).content.decode()
        assert "don't match our records" in _error_near(html, "national_id")
        answers.append(_error_near(html, "national_id").count("match our records"))
    assert answers[0] == answers[1] == 1
    assert not get_user_model().objects.filter(username="wangfang").exists()


def test_a_claimed_record_cannot_be_claimed_again(client, english, record):
    record.user = get_user_model().objects.create_user("first", password="Lo7g-enough-pw")
    record.save(update_fields=["user"])
    html = english(client).post(reverse("signup"), signup_data(record)).content.decode()
    assert "already has a portal login" in _error_near(html, "national_id")
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
    assert "请输入一个正确的" in html.decode()
