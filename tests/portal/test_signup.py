"""Sign-up proves the phone on the record (A1): ID number + name only find the
record; the login exists only after the code texted to that phone is entered.
The first step answers alike for unknown IDs, wrong names, records without a
phone or with a login. An administrator's in-person check texts the code to a
phone they checked. Every SMS is limited; guesses count per person per day."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts import national_id
from accounts.models import CodeChallenge, OutboundMessage
from core.models import AuditEvent
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)
PASSWORD = "Lo7g-enough-pw"


@pytest.fixture
def record(time_machine):
    """An insured person without a login yet, whose owner signs up."""
    time_machine.move_to(START, tick=False)
    return InsuredPersonFactory(
        name="王芳", region=chongqing(), born=datetime.date(1986, 7, 9), phone="13900001111"
    )


def en() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def start(client: Client, record, **overrides):
    data = {"name": record.name, "national_id": record.national_id, **overrides}
    return client.post(reverse("signup"), data)


def finish(client: Client, code: str, username: str = "wangfang"):
    data = {"code": code, "username": username, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup_code"), data)


def texted_code(phone: str) -> str:
    message = OutboundMessage.objects.filter(phone=phone).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", message.readable_body)[1]


def field_errors(html: str, field: str) -> str:
    begin = html.index(f'id="id_{field}"')
    group = html.rindex('<div class="field', 0, begin)
    end = html.find('<div class="field', begin)
    return unescape(html[group:end])


def test_the_login_is_created_only_after_the_code_from_the_records_phone(record):
    client = en()
    response = start(client, record)
    assert response.status_code == 302 and response["Location"] == reverse("signup_code")
    assert not get_user_model().objects.filter(username="wangfang").exists()
    message = OutboundMessage.objects.get(phone="13900001111")
    assert message.person == record and message.purpose == "signup_code"
    code = texted_code("13900001111")
    challenge = CodeChallenge.objects.get(person=record)
    assert code not in challenge.code_hash  # stored hashed

    page = client.get(reverse("signup_code")).content.decode()
    assert "we texted a 6-digit code to the phone number on that record" in page
    response = finish(client, code)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="wangfang")
    record.refresh_from_db()
    assert record.user == user
    assert client.get(reverse("home")).context["user"] == user
    # The code is used: it no longer shows in the outbox.
    message.refresh_from_db()
    assert code not in message.body and "••••••" in message.body
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"sms.send", "person.claim", "signup.complete", "auth.login"} <= actions
    everything = str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert code not in everything and PASSWORD not in everything


def test_the_id_is_accepted_as_people_type_it(record):
    client = en()
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in record.national_id.lower())  # full-width
    assert start(client, record, national_id=typed).status_code == 302
    assert OutboundMessage.objects.filter(person=record).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5001001986070", "An ID number has 18 characters; this one has 13."),
        ("50010019860709001A", "An ID number is 17 digits followed by a digit or X."),
        ("500100198602300010", "The birth date in this ID number (1986-02-30) does not exist."),
        ("500100198607090010", "check digit is wrong"),
    ],
)
def test_malformed_ids_are_refused_next_to_the_field(record, typed, message):
    html = start(en(), record, national_id=typed).content.decode()
    assert message in field_errors(html, "national_id")
    assert f'value="{typed}"' in html and 'value="王芳"' in html


def test_unknown_id_wrong_name_no_phone_or_a_login_all_get_the_same_answer(record, time_machine):
    unknown = national_id.make("500100", datetime.date(1986, 7, 9), 333, "F")
    no_phone = InsuredPersonFactory(name="李四", region=chongqing(), phone="")
    taken = InsuredPersonFactory(
        name="赵五", region=chongqing(), phone="13900002222", user=UserFactory(username="zw")
    )
    pages = []
    for details in (
        {"name": record.name, "national_id": unknown},
        {"name": "王小芳", "national_id": record.national_id},
        {"name": no_phone.name, "national_id": no_phone.national_id},
        {"name": taken.name, "national_id": taken.national_id},
    ):
        client = en()
        response = client.post(reverse("signup"), details)
        assert response.status_code == 302 and response["Location"] == reverse("signup_code")
        html = client.get(reverse("signup_code")).content.decode()
        pages.append(re.sub(r"[A-Za-z0-9]{64}", "<csrf token>", html))
        # No code can meet these: every guess is wrong.
        wrong = finish(client, "123456").content.decode()
        assert "That code is not right" in field_errors(wrong, "code")
    assert len(set(pages)) == 1
    # The page tells the owner of a record without a phone what to do.
    assert "ask an administrator to verify you" in pages[0]
    # No code went anywhere; the owner of the taken record is told someone tried.
    assert not OutboundMessage.objects.exclude(phone="13900002222").exists()
    notice = OutboundMessage.objects.get(phone="13900002222")
    assert notice.purpose == "signup_notice" and "参保记录已有账号" in notice.body
    assert not get_user_model().objects.filter(username="wangfang").exists()


def test_a_record_without_a_phone_signs_up_after_an_administrators_check(record):
    record.phone = ""
    record.save(update_fields=["phone"])
    staff = UserFactory(username="counter", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    admin.cookies["django_language"] = "en"
    changelist = reverse("admin:accounts_insuredperson_changelist")
    action = {"action": "verify_in_person", "_selected_action": [record.pk]}
    form = admin.post(changelist, action).content.decode()
    assert "Mobile number of the phone in the person&#x27;s hands" in form
    refused = admin.post(
        changelist, {**action, "post": "yes", "phone": "12345", "checked_id": "on"}
    ).content.decode()
    assert "Enter a mainland mobile number of 11 digits" in refused
    done = admin.post(
        changelist,
        {**action, "post": "yes", "phone": "139 0000 3333", "checked_id": "on"},
        follow=True,
    ).content.decode()
    assert "A sign-up code was texted to the checked phone" in done
    event = AuditEvent.objects.get(action="person.verify_in_person")
    assert event.actor == staff and event.person == record
    assert event.details == {"phone": "139****3333"}

    client = en()
    start(client, record)
    assert OutboundMessage.objects.filter(phone="13900003333").count() == 1  # nothing new
    response = finish(client, texted_code("13900003333"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.user.username == "wangfang"
    done = AuditEvent.objects.get(action="signup.complete")
    assert done.details == {"checked_in_person": True}


def test_a_second_text_within_a_minute_is_refused_and_the_eleventh_of_the_day(record, time_machine):
    client = en()
    assert start(client, record).status_code == 302
    again = client.post(reverse("signup_resend"), follow=True).content.decode()
    assert "A code was sent a moment ago: you can ask for another in 60 seconds" in again
    assert OutboundMessage.objects.filter(phone=record.phone).count() == 1
    for minute in range(1, 10):
        time_machine.move_to(START + datetime.timedelta(minutes=minute), tick=False)
        client.post(reverse("signup_resend"))
    # Ten tries a day per ID number; the phone takes 6 of them, the 4 others
    # of its day are kept for its owner's signed-in use (A6).
    assert OutboundMessage.objects.filter(phone=record.phone).count() == 6
    time_machine.move_to(START + datetime.timedelta(minutes=11), tick=False)
    eleventh = client.post(reverse("signup_resend"), follow=True).content.decode()
    assert "has had 10 codes today, the most allowed: try again tomorrow" in eleventh
    assert OutboundMessage.objects.filter(phone=record.phone).count() == 6
    # Only the newest code works; the old ones are blanked in the outbox.
    assert OutboundMessage.objects.exclude(code="").count() == 1
    # Tomorrow is another day.
    time_machine.move_to(START + datetime.timedelta(days=1), tick=False)
    client.post(reverse("signup_resend"))
    assert OutboundMessage.objects.filter(phone=record.phone).count() == 7


def test_guesses_count_per_person_per_day_across_new_codes(record, time_machine):
    client = en()
    start(client, record)
    for left in (4, 3):
        html = finish(client, "000000").content.decode()
        assert f"That code is not right. {left} tries left today" in html
    # A new code gives no new guesses.
    time_machine.move_to(START + datetime.timedelta(minutes=2), tick=False)
    client.post(reverse("signup_resend"))
    for left in (2, 1):
        html = finish(client, "000000").content.decode()
        assert f"{left} tr" in field_errors(html, "code")
    html = finish(client, "000000").content.decode()
    assert "Too many wrong codes today" in html
    # Even the right code, and even a fresh start, wait for tomorrow.
    right = finish(client, texted_code(record.phone)).content.decode()
    assert "Too many wrong codes today" in right
    time_machine.move_to(START + datetime.timedelta(minutes=5), tick=False)
    other = en()
    assert "Too many wrong codes today" in start(other, record).content.decode()
    assert not get_user_model().objects.filter(username="wangfang").exists()
    assert AuditEvent.objects.filter(action="signup.code_wrong", person=record).count() == 5
    time_machine.move_to(START + datetime.timedelta(days=1), tick=False)
    tomorrow = en()
    start(tomorrow, record)
    assert finish(tomorrow, texted_code(record.phone)).status_code == 302


def test_an_expired_code_is_refused_and_unreadable_in_the_outbox(record, time_machine):
    client = en()
    start(client, record)
    code = texted_code(record.phone)
    time_machine.move_to(START + datetime.timedelta(minutes=11), tick=False)
    html = finish(client, code).content.decode()
    assert "This code has expired or was replaced" in html
    message = OutboundMessage.objects.get(phone=record.phone)
    assert code not in message.readable_body
    from accounts.tasks import redact_expired_codes

    assert redact_expired_codes() == 1
    message.refresh_from_db()
    assert code not in message.body and message.code == ""


def test_the_outbox_shows_a_code_only_until_it_is_sent(record, settings):
    settings.SMS_OUTBOX_SHOWS_CODES = True  # the demo (make run); masked otherwise
    start(en(), record)
    code = texted_code(record.phone)
    staff = Client()
    staff.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    changelist = reverse("admin:accounts_outboundmessage_changelist")
    assert code in staff.get(changelist).content.decode()
    message = OutboundMessage.objects.get(phone=record.phone)
    staff.post(changelist, {"action": "mark_sent", "_selected_action": [message.pk]})
    assert code not in staff.get(changelist).content.decode()
    message.refresh_from_db()
    assert message.sent_at is not None and code not in message.body


def test_signup_errors_are_in_chinese_by_default(record):
    response = Client().post(reverse("signup"), {"name": "", "national_id": ""})
    assert "这个字段是必填项" in response.content.decode()
