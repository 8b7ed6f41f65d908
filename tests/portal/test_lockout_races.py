"""The lockout holds under races, behind proxies and for households (A5):
tries are counted before the password is checked, the visitor's address is read
a configured number of proxies from the right of X-Forwarded-For, and one
member's lockout does not lock the rest of a family on the same Wi-Fi."""

import threading

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.db.models import Sum
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from portal.security import client_ip
from tests.factories import InsuredPersonFactory, UserFactory

PASSWORD = "Test-pass-2026"


def log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_wrong_passwords_check_at_most_five():
    UserFactory(username="wf")
    tries = 30
    barrier = threading.Barrier(tries)
    statuses: list[int] = []

    def attempt():
        try:
            client = Client()
            barrier.wait()
            statuses.append(log_in(client, "wf", "wrong-guess").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    def checked() -> int:
        failures = AccessAttempt.objects.filter(username="wf").aggregate(
            n=Sum("failures_since_start")
        )
        return failures["n"] or 0

    assert checked() <= 5
    assert len(statuses) == tries and statuses.count(200) <= 5
    assert statuses.count(429) >= tries - 5
    # A try refused while the others held their places was not checked (on a
    # busy machine fewer than five may have been): the next wrong ones are,
    # one by one, until the fifth; never a sixth.
    for _ in range(5 - checked()):
        before = checked()
        # The fifth wrong password is answered as the lockout it causes (429).
        assert log_in(Client(), "wf", "wrong-again").status_code in (200, 429)
        assert checked() == before + 1
    assert checked() == 5
    # The login is locked, right password or not.
    assert log_in(Client(), "wf", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_one_member_locked_leaves_the_household_logging_in(time_machine):
    mother = UserFactory(username="lixiuying")
    InsuredPersonFactory(name="李秀英", user=mother)
    son = UserFactory(username="zhangwei")
    InsuredPersonFactory(name="张伟", user=son)
    wifi = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(4):
        assert log_in(wifi, "lixiuying", "wrong").status_code == 200
    assert log_in(wifi, "lixiuying", "wrong").status_code == 429  # her login: 5
    assert log_in(Client(REMOTE_ADDR="192.0.2.10"), "zhangwei", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_address_limit_is_five_times_the_login_limit(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.LOGIN_IP_FAILURE_LIMIT == 25


def _request(forwarded: str, remote: str = "10.0.0.1"):
    return RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_the_address_is_read_the_trusted_number_of_hops_from_the_right(settings):
    # The visitor sent a forged first entry; a CDN and the TLS proxy each appended one.
    forwarded = "6.6.6.6, 203.0.113.7, 198.51.100.2"
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(_request(forwarded)) == "198.51.100.2"
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(_request(forwarded)) == "203.0.113.7"
    # Fewer entries than proxies: the leftmost, never the visitor's own claim beyond it.
    assert client_ip(_request("203.0.113.7")) == "203.0.113.7"


def test_without_the_proxy_the_header_is_ignored(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(_request("6.6.6.6", remote="10.0.0.9")) == "10.0.0.9"
