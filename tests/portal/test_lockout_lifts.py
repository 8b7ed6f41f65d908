"""Lifting login lockouts under four eyes (S2): audited one by one; one member
of staff lifts at most FOUR_EYES_LOCKOUT_LIFTS a day, a second one the rest."""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/axes/accessattempt/"


def locked(n: int) -> list[AccessAttempt]:
    return [
        AccessAttempt.objects.create(
            username=f"family{i}",
            ip_address="10.0.0.1",
            user_agent="test",
            failures_since_start=5,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/login/",
        )
        for i in range(n)
    ]


def staff(username: str) -> Client:
    client = Client()
    client.force_login(UserFactory(username=username, is_staff=True, is_superuser=True))
    return client


def lift(client: Client, attempts):
    return client.post(
        URL,
        {
            "action": "delete_selected",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [a.pk for a in attempts],
        },
    )


def test_one_person_lifts_up_to_the_limit_a_second_lifts_the_rest(settings):
    settings.FOUR_EYES_LOCKOUT_LIFTS = 2
    attempts = locked(4)
    first, second = staff("ops1"), staff("ops2")

    assert lift(first, attempts[:3]).status_code == 403  # 3 > 2: nothing lifted
    assert AccessAttempt.objects.count() == 4
    assert lift(first, attempts[:2]).status_code == 302
    assert lift(first, attempts[2:3]).status_code == 403  # a third today
    assert lift(second, attempts[2:]).status_code == 302
    assert not AccessAttempt.objects.exists()
    rows = AuditEvent.objects.filter(action="auth.lockout_lift")
    assert rows.count() == 4
    assert sorted(rows.values_list("actor__username", flat=True)) == [
        "ops1",
        "ops1",
        "ops2",
        "ops2",
    ]


def test_the_change_page_delete_counts_too(settings):
    settings.FOUR_EYES_LOCKOUT_LIFTS = 1
    one, two = locked(2)
    client = staff("ops1")
    assert client.post(f"{URL}{one.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.post(f"{URL}{two.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=two.pk).exists()
