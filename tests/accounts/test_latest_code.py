"""Only the latest code works (A4): a new sign-up or new-password code ends every
earlier challenge of the same purpose, even one still open in another browser."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import OutboundMessage
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)
PASSWORD, NEW = "Lo7g-enough-pw", "Brand-new-pw-77"


def en() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def latest_code(phone: str) -> str:
    message = OutboundMessage.objects.filter(phone=phone).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", message.readable_body)[1]


def test_an_earlier_reset_code_no_longer_sets_the_password(time_machine):
    time_machine.move_to(START, tick=False)
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", phone="13912345678", user=user)
    first, second = en(), en()
    first.post(reverse("password_forgot"), {"identifier": "wf"})
    code1 = latest_code("13912345678")
    time_machine.move_to(START + datetime.timedelta(minutes=2), tick=False)
    second.post(reverse("password_forgot"), {"identifier": "wf"})
    code2 = latest_code("13912345678")

    data = {"code": code1, "new_password1": NEW, "new_password2": NEW}
    page = first.post(reverse("password_forgot_code"), data).content.decode()
    assert "This code has expired or was replaced" in page
    user.refresh_from_db()
    assert not user.check_password(NEW)
    data["code"] = code2
    assert second.post(reverse("password_forgot_code"), data).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_an_earlier_sign_up_code_no_longer_creates_the_login(time_machine):
    time_machine.move_to(START, tick=False)
    record = InsuredPersonFactory(name="王芳", region=chongqing(), phone="13900001111")
    details = {"name": record.name, "national_id": record.national_id}
    first, second = en(), en()
    first.post(reverse("signup"), details)
    code1 = latest_code("13900001111")
    time_machine.move_to(START + datetime.timedelta(minutes=2), tick=False)
    second.post(reverse("signup"), details)
    code2 = latest_code("13900001111")

    data = {"code": code1, "username": "first", "password1": PASSWORD, "password2": PASSWORD}
    page = first.post(reverse("signup_code"), data).content.decode()
    assert "This code has expired or was replaced" in page
    assert not get_user_model().objects.filter(username="first").exists()
    data.update(code=code2, username="second")
    assert second.post(reverse("signup_code"), data).status_code == 302
    record.refresh_from_db()
    assert record.user.username == "second"
