"""The QR code shown at the counter; people named by their names."""

import datetime

import pytest
from django.urls import reverse

from accounts.templatetags.accounts_qr import (
    COUNTER_SALT,
    QR_PREFIX,
    counter_payload,
    counter_seconds,
)
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def counter_token(payload: str) -> str | None:
    """What a counter reads from the code: the token, or None when it was changed
    or is older than two renewal periods (one to show it, one of grace)."""
    from django.core import signing

    if not payload.startswith(QR_PREFIX):
        return None
    try:
        return signing.TimestampSigner(salt=COUNTER_SALT).unsign(
            payload.removeprefix(QR_PREFIX), max_age=2 * counter_seconds()
        )
    except signing.BadSignature:
        return None


def test_the_greeting_names_the_person_not_the_login(me_client, me):
    html = me_client.get(reverse("home")).content.decode()
    assert f"Welcome, {me.name}" in html and "zhangwei" not in html


def test_counter_view_shows_a_code_that_renews_and_expires(me_client, me, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC))
    url = reverse("accounts:person_qr_counter", args=[me.pk])
    html = me_client.get(url).content.decode()
    assert "Show this at the counter" in html and 'data-countdown="60"' in html
    assert "<svg" in html and me.qr_token not in html  # the token is signed, not shown bare
    # The countdown asks for the code alone.
    part = me_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="counter-code"')

    # Signed at 10:00:00 exactly, however long the requests above took.
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    payload = counter_payload(me.qr_token)
    assert counter_token(payload) == me.qr_token
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 1, 59, tzinfo=datetime.UTC))
    assert counter_token(payload) == me.qr_token  # a slow scan still works
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 2, 1, tzinfo=datetime.UTC))
    assert counter_token(payload) is None  # a photo of it soon stops working
    assert counter_token(payload.replace(me.qr_token[:4], "AAAA", 1)) is None


def test_counter_view_is_404_for_a_stranger(me_client):
    stranger = InsuredPersonFactory()
    url = reverse("accounts:person_qr_counter", args=[stranger.pk])
    assert me_client.get(url).status_code == 404


def test_confirming_a_request_names_the_person_not_the_login(me, father, django_user_model):
    from django.test import Client

    from accounts.models import DependentBinding

    father_user = django_user_model.objects.create_user("dad-login", password="x-Pass-2026")
    father.user = father_user
    father.save(update_fields=["user"])
    binding = DependentBinding.objects.create(
        user=me.user, person=father, relation="parent", status="pending_code"
    )
    client = Client()
    client.force_login(father_user)
    client.cookies["django_language"] = "en"
    url = reverse("accounts:binding_respond", args=[binding.pk])
    data = {"answer": "accept", "step": "confirm"}
    html = client.post(url, data, follow=True).content.decode()
    assert "张伟 can now look after your insurance." in html and "zhangwei can" not in html
