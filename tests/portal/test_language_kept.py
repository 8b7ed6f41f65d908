"""The language stays chosen: the cookie lasts a year, and the choice is kept
with the login, as elder mode is, so a new browser opens in it after logging
in."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import LoginPreference
from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"


@pytest.fixture
def member():
    user = UserFactory(username="lxy")
    InsuredPersonFactory(name="李秀英", user=user)
    return user


def logged_in(cookie: str | None = None) -> Client:
    client = Client()
    if cookie:
        client.cookies["django_language"] = cookie
    response = client.post(reverse("login"), {"username": "lxy", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_english_chosen_once_opens_the_next_browser_in_english(member):
    first = logged_in()
    response = first.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"]["max-age"] == 365 * 24 * 3600
    assert LoginPreference.objects.get(user=member).language == "en"

    second = logged_in()  # a new browser: no language cookie
    assert second.cookies["django_language"].value == "en"
    assert '<html lang="en"' in second.get(reverse("home")).content.decode()


def test_a_choice_made_on_the_login_page_becomes_the_logins(member):
    LoginPreference.objects.create(user=member, language="en")
    client = logged_in(cookie="zh-hans")  # switched to Chinese before logging in
    assert LoginPreference.objects.get(user=member).language == "zh-hans"
    assert '<html lang="zh-hans"' in client.get(reverse("home")).content.decode()


def test_elder_mode_is_kept_when_the_language_changes(member):
    client = logged_in()
    client.post(reverse("elder_mode"), {"on": "1"})
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    preference = LoginPreference.objects.get(user=member)
    assert preference.elder_mode and preference.language == "en"
