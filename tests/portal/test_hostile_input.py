"""Hostile input answers 400 or a field error, never 500: NUL bytes (raw or
%00) in a path, a query or a form, overlong fields and usernames at both
logins, and a formset asking for a thousand lines."""

import time

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG = "a" * 200_000


def plain_client() -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def family_client(db):
    person = InsuredPersonFactory(name="王芳", user=UserFactory(username="wf"))
    client = plain_client()
    client.force_login(person.user)
    return client


def assert_plain_400(response) -> None:
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/claims/estimate/items/?q=a%00b",
        "/claims/bills/ref/%00/",
        "/claims/estimate/?person=1&line-0-code=%00",
        "/claims/estimate/items/?%00=1",
    ],
)
def test_a_nul_byte_in_a_path_or_query_is_a_400(family_client, path):
    assert_plain_400(family_client.get(path))


def test_a_nul_byte_in_a_form_field_is_a_400():
    response = plain_client().post("/login/", {"username": "wf\x00", "password": "x"})
    assert_plain_400(response)
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_a_200000_character_username_is_refused_without_500(path):
    response = plain_client().post(path, {"username": LONG, "password": "x"})
    assert_plain_400(response)


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_a_username_longer_than_any_login_is_a_field_error(path):
    response = plain_client().post(path, {"username": "b" * 1000, "password": "x"})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()


def test_axes_stores_a_bounded_username():
    from accounts.backends import axes_username

    assert len(axes_username(None, {"username": LONG})) == 150


def test_a_thousand_estimate_lines_answer_quickly_with_an_error(family_client):
    started = time.monotonic()
    response = family_client.get(
        "/claims/estimate/",
        {"person": "1", "line-TOTAL_FORMS": "1000", "line-INITIAL_FORMS": "0"},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "Please submit at most 20 forms" in response.content.decode()
    assert elapsed < 2, elapsed
