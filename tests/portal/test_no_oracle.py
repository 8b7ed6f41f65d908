"""No oracle of who is on record (A6): sign-up and a new password answer a
stranger the same whatever the record's state: its wrong-code count, a text
sent to its phone a moment ago, its phone's texts used up for the day, a login
found or not."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import national_id
from accounts.models import OutboundMessage
from core import ratelimit
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)


def en() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def page(response, client) -> tuple[int, str, str]:
    """What a stranger reads: the status, where it leads, and the page there."""
    where = response.get("Location", "")
    html = client.get(where).content.decode() if where else response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'csrf[^"]*"[^"]*"', "", html)
    html = re.sub(r"[A-Za-z0-9]{64}", "<token>", html)
    return response.status_code, where, html


def signup(details) -> tuple[int, str, str]:
    client = en()
    status, where, html = page(client.post(reverse("signup"), details), client)
    # The form shows back what was typed; the rest must not differ.
    return status, where, html.replace(details["national_id"], "<typed id>")


def invented(n: int) -> dict:
    return {
        "name": "王芳",
        "national_id": national_id.make("500100", datetime.date(1986, 7, 9), n, "F"),
    }


def guess_wrong(details, times: int) -> None:
    client = en()
    client.post(reverse("signup"), details)
    for _ in range(times):
        data = {
            "code": "000000",
            "username": "x1",
            "password1": "Lo7g-pw-9",
            "password2": "Lo7g-pw-9",
        }
        client.post(reverse("signup_code"), data)


@pytest.fixture
def at_start(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_wrong_code_counts_read_the_same_for_records_and_invented_details(at_start):
    record = InsuredPersonFactory(name="王芳", region=chongqing(), phone="13900001111")
    real = {"name": record.name, "national_id": record.national_id}
    fake = invented(333)
    guess_wrong(real, 5)
    guess_wrong(fake, 5)
    at_start.move_to(START + datetime.timedelta(minutes=2), tick=False)
    assert signup(real) == signup(fake)


def test_a_text_a_moment_ago_is_not_told(at_start):
    owner = UserFactory(username="zw")
    record = InsuredPersonFactory(name="赵五", region=chongqing(), phone="13900002222", user=owner)
    en().post(reverse("password_forgot"), {"identifier": "zw"})  # a text right now
    real = signup({"name": record.name, "national_id": record.national_id})
    fake = signup(invented(335))
    assert real == fake
    assert "wait" not in real[2].split("<main", 1)[1].lower()


def test_a_phone_with_its_texts_used_up_is_not_told(at_start, settings):
    record = InsuredPersonFactory(name="王芳", region=chongqing(), phone="13900001111")
    for _ in range(settings.SMS_PER_DAY):
        ratelimit.consume(ratelimit.Daily("sms-phone-day", "13900001111", settings.SMS_PER_DAY))
    real = signup({"name": record.name, "national_id": record.national_id})
    assert real == signup(invented(337))
    assert not OutboundMessage.objects.exists()


def test_a_new_password_reads_the_same_for_existing_and_unknown_logins(at_start):
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", phone="13912345678", user=user)
    answers = []
    for identifier in ("wf", "nobody-here"):
        client = en()
        response = client.post(reverse("password_forgot"), {"identifier": identifier})
        answers.append(page(response, client))
        wrong = {
            "code": "000000",
            "new_password1": "Brand-new-pw-77",
            "new_password2": "Brand-new-pw-77",
        }
        answers.append(page(client.post(reverse("password_forgot_code"), wrong), client))
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert answers[0][0] == 302 and answers[1][0] == 200
    assert OutboundMessage.objects.filter(purpose="reset_code").count() == 1


def test_a_new_password_answers_no_sooner_than_the_floor_either_way(at_start, settings):
    import time

    settings.RESET_ANSWER_MS = 40
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", phone="13912345678", user=user)
    for identifier in ("wf", "nobody-here"):
        started = time.monotonic()
        en().post(reverse("password_forgot"), {"identifier": identifier})
        assert time.monotonic() - started >= 0.04


def test_a_new_password_like_the_username_is_refused_alike(at_start):
    user = UserFactory(username="wangfang2026")
    InsuredPersonFactory(name="王芳", phone="13912345678", user=user)
    answers = []
    for identifier in ("wangfang2026", "wangfang2027"):
        client = en()
        client.post(reverse("password_forgot"), {"identifier": identifier})
        weak = {"code": "000000", "new_password1": identifier, "new_password2": identifier}
        status, _where, html = page(client.post(reverse("password_forgot_code"), weak), client)
        answers.append((status, html.replace(identifier, "<typed>")))
    assert answers[0] == answers[1]
    assert "This password is too much like your username" in answers[0][1]
