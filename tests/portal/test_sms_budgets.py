"""SMS budgets a stranger cannot spend (A6): the doors that text without a
login are limited per address and for the whole portal a day, and part of each
phone's daily texts is kept for its owner's own signed-in use."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts import national_id
from accounts.models import OutboundMessage
from accounts.services import codes
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=CST)


def en(address: str = "198.51.100.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.cookies["django_language"] = "en"
    return client


def someone(n: int) -> dict:
    return {
        "name": "王芳",
        "national_id": national_id.make("500100", datetime.date(1986, 7, 9), n, "F"),
    }


def test_one_address_uses_the_anonymous_doors_twenty_times_a_day(time_machine, settings):
    time_machine.move_to(START, tick=False)
    assert settings.SMS_ANONYMOUS_PER_ADDRESS == 20
    for n in range(20):
        assert en().post(reverse("signup"), someone(301 + 2 * n)).status_code == 302
    refused = en().post(reverse("signup"), someone(391)).content.decode()
    assert "Codes were asked for 20 times from this connection today" in refused
    # The new-password door counts against the same address.
    refused = en().post(reverse("password_forgot"), {"identifier": "nobody"}).content.decode()
    assert "from this connection today" in refused
    # Another address is not held up; tomorrow the address starts again.
    assert en("198.51.100.2").post(reverse("signup"), someone(393)).status_code == 302
    time_machine.move_to(START + datetime.timedelta(days=1), tick=False)
    assert en().post(reverse("signup"), someone(395)).status_code == 302


def test_the_whole_portal_has_a_daily_ceiling(time_machine, settings):
    time_machine.move_to(START, tick=False)
    settings.SMS_ANONYMOUS_PER_DAY = 3
    for n in range(3):
        assert en(f"203.0.113.{n}").post(reverse("signup"), someone(301 + 2 * n)).status_code == 302
    refused = en("203.0.113.9").post(reverse("signup"), someone(399)).content.decode()
    assert "The portal has sent as many codes as it may today" in refused


def test_a_stranger_cannot_spend_the_owners_whole_day(time_machine, settings):
    time_machine.move_to(START, tick=False)
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", region=chongqing(), phone="13912345678", user=user)
    kept = settings.SMS_KEPT_FOR_SIGNED_IN
    assert (settings.SMS_PER_DAY, kept) == (10, 4)
    for minute in range(12):  # a stranger asks for new-password codes all morning
        time_machine.move_to(START + datetime.timedelta(minutes=2 * minute), tick=False)
        en(f"192.0.2.{minute}").post(reverse("password_forgot"), {"identifier": "wf"})
    assert OutboundMessage.objects.filter(phone="13912345678").count() == 10 - kept
    # The owner's own signed-in use still has its texts.
    for minute in range(kept):
        time_machine.move_to(START + datetime.timedelta(hours=1, minutes=2 * minute), tick=False)
        codes.sms_send(
            actor=user,
            phone="13912345678",
            person=None,
            purpose="notice",
            body="…",
            owner=f"user:{user.pk}:own",
        )
    assert OutboundMessage.objects.filter(phone="13912345678").count() == 10
