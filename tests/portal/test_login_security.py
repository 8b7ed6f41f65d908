"""Login lockout and throttling (django-axes), log in by phone number, and the
audit rows a login leaves: the 5th and 6th wrong password, the lockout's end,
the address-wide lock, the admin's login, lifting a lockout in the admin."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import InsuredPersonFactory, UserFactory, plain

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def member(time_machine):
    time_machine.move_to(START, tick=False)
    person = InsuredPersonFactory(name="王芳", phone="13912345678", user=UserFactory(username="wf"))
    return person.user


def en_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def log_in(client: Client, username: str, password: str, path: str = ""):
    return client.post(path or reverse("login"), {"username": username, "password": password})


def test_fifth_wrong_password_locks_and_sixth_right_one_is_refused(member, time_machine):
    client = en_client()
    for attempt in range(1, 5):
        response = log_in(client, "wf", "wrong")
        assert response.status_code == 200, attempt
        assert "do not match" in response.content.decode()
    # The 4th said one try was left.
    assert "1 more wrong try and this login is locked for 15 minutes" in response.content.decode()

    fifth = log_in(client, "wf", "wrong")
    assert fifth.status_code == 429
    html = plain(fifth.content.decode())
    assert "After 5 wrong passwords, logging in is locked for 15 minutes" in html
    assert "Try again after 10:15 (2026-03-02)" in html
    assert '<main id="main">' in html  # the portal's layout

    sixth = log_in(client, "wf", PASSWORD)  # even the right password
    assert sixth.status_code == 429
    assert "_auth_user_id" not in client.session

    # A try during the lock does not push its end: still 10:15.
    time_machine.move_to(START + datetime.timedelta(minutes=10), tick=False)
    assert "Try again after 10:15" in log_in(client, "wf", "wrong").content.decode()
    time_machine.move_to(START + datetime.timedelta(minutes=14, seconds=59), tick=False)
    assert log_in(client, "wf", PASSWORD).status_code == 429

    # The lockout's end: the right password logs in, and the count starts again.
    time_machine.move_to(START + datetime.timedelta(minutes=15, seconds=1), tick=False)
    assert log_in(client, "wf", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert not AccessAttempt.objects.filter(username="wf").exists()


def test_lockout_message_is_in_chinese_by_default(member):
    client = Client()
    for _ in range(5):
        response = log_in(client, "wf", "wrong")
    assert response.status_code == 429
    assert "为保护您的账户，登录已锁定 15 分钟" in response.content.decode()


def test_phone_number_logs_in_and_counts_against_the_same_lock(member):
    client = en_client()
    assert log_in(client, "139 1234 5678", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)

    other = en_client()
    for _ in range(3):
        log_in(other, "wf", "wrong")
    log_in(other, "+86 13912345678", "wrong")
    # The 5th wrong try, by phone: the login "wf" is locked whichever way it is named.
    assert log_in(other, "13912345678", "wrong").status_code == 429
    assert log_in(other, "wf", PASSWORD).status_code == 429


def test_a_phone_shared_by_two_logins_logs_in_by_username_only(member):
    InsuredPersonFactory(phone="13912345678", user=UserFactory(username="other"))
    client = en_client()
    response = log_in(client, "13912345678", PASSWORD)
    assert response.status_code == 200 and "do not match" in response.content.decode()
    assert log_in(client, "wf", PASSWORD).status_code == 302


def test_one_address_trying_many_usernames_is_locked(member, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 5
    client = en_client()
    for name in ["a1", "a2", "a3", "a4"]:
        assert log_in(client, name, "guess").status_code == 200
    assert log_in(client, "a5", "guess").status_code == 429
    # The address is locked: even wf's right password from it waits.
    assert log_in(client, "wf", PASSWORD).status_code == 429
    # From another address wf logs in.
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert log_in(elsewhere, "wf", PASSWORD).status_code == 302


def test_admin_login_is_locked_too_and_an_administrator_lifts_the_lock(member):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    attacker.cookies["django_language"] = "en"
    admin_login = reverse("admin:login")
    for _ in range(4):
        assert log_in(attacker, "boss", "guess", admin_login).status_code == 200
    locked = log_in(attacker, "boss", "guess", admin_login)
    assert locked.status_code == 429
    assert "logging in is locked for 15 minutes" in locked.content.decode()

    # Another administrator sees the lockout in the admin and lifts it.
    helper = Client()
    helper.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    listing = helper.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "boss" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="boss")
    helper.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert log_in(attacker, "boss", PASSWORD, admin_login).status_code == 302


def test_logins_failures_and_lockouts_are_audited_without_passwords(member):
    client = en_client()
    log_in(client, "wf", PASSWORD)
    client.post(reverse("logout"))
    for _ in range(5):
        log_in(client, "wf", "Wrong-secret-77")
    log_in(client, "nobody-here", "Another-secret-88")
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions.count("auth.login") == 1
    assert actions.count("auth.login_failed") == 6
    assert "auth.lockout" in actions
    failed = AuditEvent.objects.filter(action="auth.login_failed").order_by("pk")
    assert failed[0].details["login"] == "wf" and failed[0].person == member.insured_person
    assert "login" not in failed.last().details  # an unknown name is not written down
    everything = str(list(AuditEvent.objects.values_list("details", flat=True)))
    for secret in (PASSWORD, "Wrong-secret-77", "Another-secret-88", "nobody-here"):
        assert secret not in everything
    assert "Wrong-secret-77" not in str(list(AccessAttempt.objects.values_list("post_data")))


def test_a_login_of_ones_own_between_tries_does_not_clear_the_address(member, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 5
    UserFactory(username="mine")
    client = en_client()
    for name in ["a1", "a2"]:
        log_in(client, name, "guess")
    assert log_in(client, "mine", PASSWORD).status_code == 302  # the attacker's own login
    client.post(reverse("logout"))
    log_in(client, "a3", "guess")
    log_in(client, "a4", "guess")
    assert log_in(client, "a5", "guess").status_code == 429


def test_the_address_limit_is_its_own_setting(member, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    client = en_client()
    for name in ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]:
        assert log_in(client, name, "guess").status_code == 200
    assert log_in(client, "a8", "guess").status_code == 429
