"""Where a login is logged in (ASVS V7): the person sees their sessions and ends
the others after typing the password again; an administrator ends anyone's;
password change and reset end the others."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from portal.models import LoginSession
from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"


@pytest.fixture
def member():
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", user=user)
    return user


def browser(agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "wf", "password": PASSWORD})
    assert response.status_code == 302
    return client


ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"
)
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def test_the_person_sees_their_sessions_and_ends_the_others(member):
    phone, tablet, laptop = browser(ANDROID), browser(IPAD), browser(WINDOWS)
    page = laptop.get(reverse("login_sessions")).content.decode()
    # Each browser in words, never the raw User-Agent string.
    for words in ("Chrome on Android", "Safari on iPad", "Chrome on Windows"):
        assert words in page
    assert "Mozilla/5.0" not in page
    assert page.count("this browser") == 1
    wrong = laptop.post(reverse("login_sessions"), {"password": "not-it"})
    assert "This is not your password." in wrong.content.decode()
    assert phone.get(reverse("wallet:index")).status_code == 200
    done = laptop.post(reverse("login_sessions"), {"password": PASSWORD}, follow=True)
    assert "2 other sessions were ended." in done.content.decode()
    for other in (phone, tablet):
        response = other.get(reverse("wallet:index"), follow=True)
        assert "Your session has ended" in response.content.decode()
    assert laptop.get(reverse("wallet:index")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.sessions_end", actor=member).exists()


def test_an_administrator_ends_a_logins_sessions(member):
    phone = browser("Phone/1.0")
    admin = Client()
    admin.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    listing = admin.get(reverse("admin:portal_loginsession_changelist")).content.decode()
    row = LoginSession.objects.get(user=member)
    assert "Phone/1.0" in listing and row.session_key not in listing
    admin.post(
        reverse("admin:portal_loginsession_changelist"),
        {"action": "end_sessions", "_selected_action": [row.pk]},
    )
    assert phone.get(reverse("wallet:index")).status_code == 302


def test_logging_out_takes_the_session_off_the_list(member):
    phone, laptop = browser(ANDROID), browser(WINDOWS)
    phone.post(reverse("logout"))
    page = laptop.get(reverse("login_sessions")).content.decode()
    assert "Chrome on Android" not in page and "Chrome on Windows" in page


def test_a_password_change_keeps_this_session_listed_and_ends_the_others(member):
    phone, laptop = browser(ANDROID), browser(WINDOWS)
    laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Zz-9-new-pw", "new_password2": "Zz-9-new-pw"},
    )
    page = laptop.get(reverse("login_sessions")).content.decode()
    assert "Chrome on Windows" in page and "this browser" in page
    assert "Chrome on Android" not in page
    assert phone.get(reverse("wallet:index")).status_code == 302
