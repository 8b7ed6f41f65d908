"""Families are told of a login from a new device (A5): a message in the message
centre and a text to the phone on their record; a browser that logged in
before, or the account's very first login, tells no one."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import InboxMessage, OutboundMessage
from portal.devices import COOKIE, device_name
from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
)


@pytest.fixture
def member(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", phone="13912345678", user=user)
    return user


def log_in(client: Client) -> None:
    response = client.post(reverse("login"), {"username": "wf", "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))


def told() -> tuple[int, int]:
    inbox = InboxMessage.objects.filter(kind="new_login").count()
    texts = OutboundMessage.objects.filter(purpose="notice:new_login", phone="13912345678").count()
    return inbox, texts


def test_a_new_device_is_told_in_the_message_centre_and_by_text(
    member, django_capture_on_commit_callbacks
):
    laptop = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36")
    with django_capture_on_commit_callbacks(execute=True):
        log_in(laptop)  # the account's first login: nothing to compare with
        log_in(laptop)  # the same browser again
    assert told() == (0, 0)
    assert COOKIE in laptop.cookies

    phone = Client(HTTP_USER_AGENT=ANDROID)
    with django_capture_on_commit_callbacks(execute=True):
        log_in(phone)
    assert told() == (1, 1)
    message = InboxMessage.objects.get(kind="new_login")
    assert message.user == member and message.important
    text = OutboundMessage.objects.get(purpose="notice:new_login").body
    assert "Chrome / Android" in text and "新设备" in text

    with django_capture_on_commit_callbacks(execute=True):
        log_in(phone)  # known now
    assert told() == (1, 1)


def test_a_forged_device_cookie_counts_as_a_new_device(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log_in(Client())
        forged = Client()
        forged.cookies[COOKIE] = f"[{member.pk}]"
        log_in(forged)
    assert told() == (1, 1)


def test_device_names_read_plainly():
    assert device_name(ANDROID) == "Chrome / Android"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1"
    )
    assert device_name(iphone) == "Safari / iPhone"
    assert device_name("") == "?"
