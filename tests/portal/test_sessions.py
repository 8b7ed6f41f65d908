"""Sessions end after 30 minutes idle and 12 hours in all (moved clock); the
login page says why; a form sent after the end is offered back, to the same
person only; password change ends the other sessions."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import InsuredPerson
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"
CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=CST)


@pytest.fixture
def member(time_machine):
    time_machine.move_to(START, tick=False)
    user = UserFactory(username="wf")
    InsuredPersonFactory(name="王芳", user=user, region=chongqing())
    return user


def logged_in(username="wf") -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def at(time_machine, **delta) -> None:
    time_machine.move_to(START + datetime.timedelta(**delta), tick=False)


def test_idle_for_29_minutes_is_fine_30_ends_the_session(member, time_machine):
    client = logged_in()
    at(time_machine, minutes=29)
    assert client.get(reverse("wallet:index")).status_code == 200
    at(time_machine, minutes=29 + 30)
    response = client.get(reverse("wallet:index"), follow=True)
    assert response.redirect_chain[0] == (f"{reverse('login')}?next=%2Fwallet%2F", 302)
    html = response.content.decode()
    assert "Your session ended after 30 minutes without activity" in html
    assert "_auth_user_id" not in client.session


def test_twelve_hours_end_the_session_however_active(member, time_machine):
    client = logged_in()
    for step in range(1, 36):  # a click every 20 minutes for 11 h 40 min
        at(time_machine, minutes=20 * step)
        assert client.get(reverse("home")).status_code == 200
        assert client.session.get("_auth_user_id") == str(member.pk)
    at(time_machine, hours=12)
    response = client.get(reverse("home"), follow=True)
    assert "For your safety a session lasts at most 12 hours" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_gone_from_the_store_still_says_it_ended(member, time_machine):
    client = logged_in()
    client.session.flush  # noqa: B018 - the browser keeps its cookie
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    response = client.get(reverse("wallet:index"), follow=True)
    assert "Your session has ended. Log in again to continue." in response.content.decode()


def test_a_form_sent_after_the_end_is_kept_for_the_same_person(member, time_machine):
    client = logged_in()
    page = client.get(reverse("accounts:dependent_add"))
    assert page.status_code == 200
    at(time_machine, minutes=45)
    data = {"national_id": "500101199001011234", "name": "王大山", "relation": "parent"}
    response = client.post(reverse("accounts:dependent_add"), data)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2Fsession%2Fkept-form%2F"
    page = client.get(response["Location"]).content.decode()
    assert "The form you were sending was kept" in page

    response = client.post(
        f"{reverse('login')}?next=/session/kept-form/",
        {"username": "wf", "password": PASSWORD, "next": "/session/kept-form/"},
    )
    assert response["Location"] == reverse("kept_form")
    kept = client.get(reverse("kept_form")).content.decode()
    assert 'action="/family/add/"' in kept
    assert 'name="national_id" value="500101199001011234"' in kept
    assert 'name="name" value="王大山"' in kept and "Send it now" in kept
    # Shown once: it is not kept forever in the session.
    assert client.get(reverse("kept_form")).status_code == 302


def test_a_kept_form_is_not_shown_to_someone_else(member, time_machine):
    UserFactory(username="stranger")
    client = logged_in()
    at(time_machine, minutes=45)
    client.post(reverse("accounts:dependent_add"), {"name": "王大山", "password": "x"})
    client.post(reverse("login"), {"username": "stranger", "password": PASSWORD})
    assert client.get(reverse("kept_form")).status_code == 302


def test_passwords_and_codes_are_not_kept(member, time_machine):
    client = logged_in()
    at(time_machine, minutes=45)
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Zz-9-new-pw", "new_password2": "x"},
    )
    kept = client.session["portal_kept_form"]
    assert kept["fields"] == []


def test_htmx_request_after_the_end_goes_to_the_login_page(member, time_machine):
    client = logged_in()
    at(time_machine, minutes=31)
    response = client.get(reverse("wallet:index"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_password_change_ends_every_other_session(member):
    phone, laptop = logged_in(), logged_in()
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Zz-9-new-pw", "new_password2": "Zz-9-new-pw"},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("wallet:index")).status_code == 200  # this one goes on
    assert phone.get(reverse("wallet:index")).status_code == 302  # the other one ended
    assert InsuredPerson.objects.get(user=member).name == "王芳"
