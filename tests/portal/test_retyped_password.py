"""Typing one's password again is a login try (A5): on the sessions page and on
password change, django-axes counts a wrong one, and the fifth signs out and
locks the login as five wrong passwords at the login page would."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"
CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)


@pytest.fixture
def member(time_machine):
    time_machine.move_to(START, tick=False)
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", user=user)
    return user


def logged_in() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    assert (
        client.post(reverse("login"), {"username": "wf", "password": PASSWORD}).status_code == 302
    )
    return client


def sessions_page(client, password):
    return client.post(reverse("login_sessions"), {"password": password})


def password_change(client, password):
    new = "Brand-new-pw-77"
    data = {"old_password": password, "new_password1": new, "new_password2": new}
    return client.post(reverse("password_change"), data)


@pytest.mark.parametrize("retype", [sessions_page, password_change])
def test_the_fifth_wrong_password_signs_out_and_locks(member, retype):
    client = logged_in()
    for attempt in range(1, 5):
        response = retype(client, "wrong")
        assert response.status_code == 200, attempt
        assert client.session.get("_auth_user_id") == str(member.pk)
    assert AccessAttempt.objects.get(username="wf").failures_since_start == 4

    fifth = retype(client, "wrong")
    assert fifth.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("wallet:index")).status_code == 302  # signed out
    # The login is locked: even the right password at the login page.
    again = Client().post(reverse("login"), {"username": "wf", "password": PASSWORD})
    assert again.status_code == 429
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_the_right_password_still_works_after_wrong_ones(member):
    client = logged_in()
    for _ in range(3):
        sessions_page(client, "wrong")
    response = sessions_page(client, PASSWORD)
    assert response.status_code == 302
    assert password_change(client, PASSWORD).status_code == 302
