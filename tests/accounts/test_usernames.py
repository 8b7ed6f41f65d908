"""A username may not look like a phone number (A4): sign-up, the admin's add
and change forms all refuse one, however the number is typed; logins made before
the rule are reported by `manage.py phone_usernames`."""

import datetime
import io
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import OutboundMessage
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = pytest.mark.django_db

PASSWORD = "Lo7g-enough-pw"
PHONE_SHAPED = [
    "13800138001",
    "+8613800138001",
    "+86 138 0013 8001",
    "0086-138-0013-8001",
    "138_0013_8001",
    "１３８００１３８００１",  # full-width digits
]
SENTENCE = "A username cannot be a phone number"


@pytest.fixture
def record(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    return InsuredPersonFactory(name="王芳", region=chongqing(), phone="13900001111")


def en() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("username", PHONE_SHAPED)
def test_sign_up_refuses_a_phone_shaped_username(record, username):
    client = en()
    client.post(reverse("signup"), {"name": record.name, "national_id": record.national_id})
    message = OutboundMessage.objects.get(phone="13900001111")
    code = re.search(r"\b(\d{6})\b", message.readable_body)[1]
    data = {"code": code, "username": username, "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("signup_code"), data)
    assert response.status_code == 200
    assert SENTENCE in response.content.decode()
    assert not get_user_model().objects.filter(insured_person__isnull=False).exists()
    # The code still works with a proper username.
    data["username"] = "wangfang"
    assert client.post(reverse("signup_code"), data).status_code == 302
    record.refresh_from_db()
    assert record.user.username == "wangfang"


def test_the_sign_up_service_refuses_one_too(record):
    from accounts.services import signup

    challenge = signup.signup_start(national_id=record.national_id, name=record.name)
    with pytest.raises(Exception) as refused:
        signup.signup_finish(
            challenge_id=challenge.pk, code="000000", username="13800138001", password=PASSWORD
        )
    assert getattr(refused.value, "code", "") == "A4-01"


@pytest.mark.parametrize("username", PHONE_SHAPED)
@translation.override("en")
def test_the_admin_add_and_change_forms_refuse_it(username):
    user_admin = admin.site._registry[get_user_model()]
    add = user_admin.add_form(
        {
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        }
    )
    assert not add.is_valid() and SENTENCE in str(add.errors["username"])
    existing = UserFactory(username="zhangwei")
    change = user_admin.form(
        {"username": username, "date_joined": "2026-01-01 10:00:00"}, instance=existing
    )
    assert not change.is_valid() and SENTENCE in str(change.errors["username"])


def test_ordinary_usernames_with_digits_stay_allowed():
    user_admin = admin.site._registry[get_user_model()]
    for username in ("wangfang", "zhang1986", "user13800138001", "1380013800"):
        form = user_admin.add_form(
            {"username": username, "password1": PASSWORD, "password2": PASSWORD}
        )
        assert "username" not in form.errors, username


def test_the_command_reports_existing_phone_shaped_usernames():
    squatter = UserFactory(username="13800138001")
    UserFactory(username="zhangwei")
    owner = UserFactory(username="lixiuying")
    InsuredPersonFactory(name="李秀英", region=chongqing(), phone="13800138001", user=owner)
    out = io.StringIO()
    call_command("phone_usernames", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split("\t")[:3] == [str(squatter.pk), "13800138001", "13800138001"]
    assert "another login's record" in lines[0]
    assert lines[-1] == "1 phone-shaped username(s)."
