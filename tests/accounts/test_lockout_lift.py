"""Lifting a lockout in one action (A1) on the login or on the person, audited;
past FOUR_EYES_LOCKOUT_LIFTS lifts a day, a second member of staff approves (S2)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.selectors import login_is_locked
from core.models import AuditEvent
from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def locked(time_machine):
    """Three logins locked after five wrong passwords each."""
    time_machine.move_to(START, tick=False)
    users = []
    for n in range(3):
        user = InsuredPersonFactory(name=f"人{n}", user=UserFactory(username=f"wf{n}")).user
        client = Client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        for _ in range(5):
            client.post(reverse("login"), {"username": user.username, "password": "wrong"})
        assert login_is_locked(username=user.username)
        users.append(user)
    return users


@pytest.fixture
def staff(english):
    ops = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(ops)
    return english(client), ops


def _lift(client, url, pks, **extra):
    return client.post(
        url, {"action": "lift_lockout", "_selected_action": pks, "post": "yes", **extra}
    )


def test_lifting_from_the_login_list_lets_them_in_and_is_audited(locked, staff):
    client, ops = staff
    user = locked[0]
    url = reverse("admin:auth_user_changelist")
    listing = client.get(url + "?locked=1").content.decode()
    assert "wf0" in listing and "Lift the lockout (A1)" in listing
    confirm = client.post(url, {"action": "lift_lockout", "_selected_action": [user.pk]})
    assert "locked out now" in confirm.content.decode()
    assert login_is_locked(username="wf0")  # nothing happens before the confirmation
    response = _lift(client, url, [user.pk])
    assert response.status_code == 302
    assert not login_is_locked(username="wf0")
    event = AuditEvent.objects.get(action="auth.lockout_lift")
    assert event.actor == ops and event.details["login"] == "wf0"
    assert event.person_label.startswith("人0")
    answer = Client(REMOTE_ADDR="10.0.0.1").post(
        reverse("login"), {"username": "wf0", "password": PASSWORD}
    )
    assert answer.status_code == 302


def test_lifting_from_the_person(locked, staff):
    client, _ops = staff
    person = locked[1].insured_person
    _lift(client, reverse("admin:accounts_insuredperson_changelist"), [person.pk])
    assert not login_is_locked(username="wf1")
    assert login_is_locked(username="wf0")


def test_past_the_days_allowance_a_second_member_of_staff_approves(locked, staff, settings):
    settings.FOUR_EYES_LOCKOUT_LIFTS = 1
    client, ops = staff
    url = reverse("admin:auth_user_changelist")
    _lift(client, url, [locked[0].pk])
    assert not login_is_locked(username="wf0")

    # The second lift of the day asks for a second person, and refuses oneself.
    page = _lift(client, url, [locked[1].pk]).content.decode()
    assert "S2: one person lifts at most 1 lockouts a day alone" in page
    assert login_is_locked(username="wf1")
    _lift(client, url, [locked[1].pk], second_username="ops", second_password=PASSWORD)
    assert login_is_locked(username="wf1")  # nobody approves their own lift
    UserFactory(username="boss", is_staff=True)
    UserFactory(username="family", is_staff=False)
    page = _lift(client, url, [locked[1].pk], second_username="family", second_password=PASSWORD)
    assert "not the login and password of a member of staff" in page.content.decode()
    assert login_is_locked(username="wf1")
    _lift(client, url, [locked[1].pk], second_username="boss", second_password=PASSWORD)
    assert not login_is_locked(username="wf1")
    event = AuditEvent.objects.filter(action="auth.lockout_lift").order_by("-pk").first()
    assert event.actor == ops and event.details["approved_by"] == "boss"


def test_a_locked_logins_page_and_its_persons_offer_the_lift(locked, staff):
    client, _ops = staff
    user = locked[2]
    for url in (
        reverse("admin:auth_user_change", args=[user.pk]),
        reverse("admin:accounts_insuredperson_change", args=[user.insured_person.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'id="lift-lockout"' in page and "lift the lockout of wf2" in page
    changelist = reverse("admin:auth_user_changelist")
    client.post(changelist, {"action": "lift_lockout", "_selected_action": [user.pk]})
    _lift(client, changelist, [user.pk])
    page = client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert 'id="lift-lockout"' not in page  # no longer locked


def test_a_wrong_second_password_is_never_stored(locked, staff, settings):
    from axes.models import AccessAttempt

    settings.FOUR_EYES_LOCKOUT_LIFTS = 0
    client, _ops = staff
    UserFactory(username="boss", is_staff=True)
    url = reverse("admin:auth_user_changelist")
    _lift(client, url, [locked[0].pk], second_username="boss", second_password="Guess-1234")
    assert login_is_locked(username="wf0")
    attempt = AccessAttempt.objects.get(username="boss")
    assert "Guess-1234" not in attempt.post_data
