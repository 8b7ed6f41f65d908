"""Passkeys as a family login's second factor (A10, ASVS 6.3.3): added with the
password typed again, then asked for after every password login; a recovery
code stands in once for a lost passkey; a wrong, replayed, copied or foreign
answer is refused. The answers are signed by a software authenticator."""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.models import InboxMessage
from core.models import AuditEvent
from portal.models import LoginSession, Passkey
from tests.factories import UserFactory
from tests.softkey import SoftKey

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"


@pytest.fixture
def family():
    return UserFactory(username="wangfang")


def logged_in(username: str = "wangfang") -> Client:
    client = Client()
    # The pages' words are read in English.
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def add_passkey(client: Client, key: SoftKey, name: str = "我的手机") -> dict:
    options = client.post(reverse("passkey_add_options"), {"password": PASSWORD, "name": name})
    assert options.status_code == 200, options.content
    answer = key.create(options.content)
    response = client.post(
        reverse("passkey_add"),
        json.dumps({"name": name, "credential": answer}),
        content_type="application/json",
    )
    return {"status": response.status_code, **response.json()}


def use_passkey(client: Client, key: SoftKey, **kwargs):
    options = client.post(reverse("passkey_login_options"))
    assert options.status_code == 200
    answer = key.get(options.content, **kwargs)
    return client.post(
        reverse("passkey_login") + "?next=/wallet/",
        json.dumps({"credential": answer}),
        content_type="application/json",
    )


def test_after_a_passkey_is_added_the_password_alone_opens_no_page(family):
    key = SoftKey()
    client = logged_in()
    added = add_passkey(client, key)
    assert added == {"status": 200, "redirect": reverse("passkeys")}
    page = client.get(reverse("passkeys")).content.decode()
    codes = re.findall(r"<code>([a-z0-9-]{11})</code>", page)
    assert len(codes) == 10 and "我的手机" in page
    # Shown once only.
    assert "<code>" not in client.get(reverse("passkeys")).content.decode()
    # This session finished with the new passkey: it goes on.
    assert client.get(reverse("home")).status_code == 200

    other = logged_in()
    home = other.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("passkey_login"))
    wallet = other.get(reverse("wallet:index"), HTTP_HX_REQUEST="true")
    assert wallet["HX-Redirect"].startswith(reverse("passkey_login"))

    answer = use_passkey(other, key)
    assert answer.status_code == 200 and answer.json() == {"redirect": "/wallet/"}
    assert other.get(reverse("home")).status_code == 200
    passkey = Passkey.objects.get(user=family)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    assert AuditEvent.objects.filter(action="passkey.verify", actor=family).count() == 1


def test_adding_a_passkey_needs_the_password_and_ends_other_sessions(family):
    key = SoftKey()
    client, elsewhere = logged_in(), logged_in()
    wrong = client.post(reverse("passkey_add_options"), {"password": "guess", "name": "x"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "This is not your password."
    # Without the options step's challenge there is nothing to add.
    sneaked = client.post(
        reverse("passkey_add"),
        json.dumps({"credential": key.create({"challenge": "AAAA"})}),
        content_type="application/json",
    )
    assert sneaked.status_code == 400 and not Passkey.objects.exists()

    assert add_passkey(client, key)["status"] == 200
    # The other session began with the password alone: it is over.
    assert elsewhere.get(reverse("passkeys"))["Location"].startswith(reverse("login"))
    assert LoginSession.objects.filter(user=family, ended_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "trick",
    ["unknown key", "other origin", "replayed", "counter went back", "another login's key"],
)
def test_a_wrong_passkey_answer_is_refused(family, trick):
    key = SoftKey()
    add_passkey(logged_in(), key)
    if trick == "another login's key":
        UserFactory(username="zhaolei")
        stranger_key = SoftKey()
        add_passkey(logged_in("zhaolei"), stranger_key)
    client = logged_in()
    if trick == "unknown key":
        answer = use_passkey(client, SoftKey())
    elif trick == "other origin":
        answer = use_passkey(client, key, origin="http://phish.example")
    elif trick == "replayed":
        first_options = client.post(reverse("passkey_login_options"))
        signed = json.dumps({"credential": key.get(first_options.content)})
        url = reverse("passkey_login")
        assert client.post(url, signed, content_type="application/json").status_code == 200
        client = logged_in()
        client.post(reverse("passkey_login_options"))  # a new challenge, the old answer
        answer = client.post(url, signed, content_type="application/json")
    elif trick == "counter went back":
        assert use_passkey(logged_in(), key, counter_step=5).status_code == 200
        answer = use_passkey(client, key, counter_step=-2)  # a copied authenticator
    else:
        answer = use_passkey(client, stranger_key)
    assert answer.status_code == 400
    assert "could not be checked" in answer.json()["error"] or "too long" in answer.json()["error"]
    assert client.get(reverse("home"))["Location"].startswith(reverse("passkey_login"))
    assert AuditEvent.objects.filter(action="passkey.refused", actor=family).exists()


def test_a_recovery_code_finishes_a_login_once(family):
    client = logged_in()
    add_passkey(client, SoftKey())
    code = re.findall(
        r"<code>([a-z0-9-]{11})</code>", client.get(reverse("passkeys")).content.decode()
    )[0]

    lost_phone = logged_in()
    page = lost_phone.get(reverse("passkey_login"))
    assert "Use my passkey" in page.content.decode() and "recovery code" in page.content.decode()
    used = lost_phone.post(reverse("passkey_login"), {"token": code, "next": "/claims/"})
    assert used.status_code == 302 and used["Location"] == "/claims/"
    assert lost_phone.get(reverse("home")).status_code == 200

    again = logged_in()
    refused = again.post(reverse("passkey_login"), {"token": code})
    assert "This code is not right, or was already used." in refused.content.decode()
    assert again.get(reverse("home")).status_code == 302


def test_removing_the_last_passkey_needs_the_password_and_ends_the_second_step(family):
    client = logged_in()
    add_passkey(client, SoftKey())
    passkey = Passkey.objects.get(user=family)
    url = reverse("passkey_remove", args=[passkey.pk])
    client.post(url, {"password": "guess"})
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    client.post(url, {"password": PASSWORD})
    assert not Passkey.objects.filter(user=family).exists()
    assert not StaticDevice.objects.filter(user=family).exists()  # the recovery codes went too
    assert logged_in().get(reverse("home")).status_code == 200


def test_someone_elses_passkey_cannot_be_removed(family):
    UserFactory(username="zhaolei")
    add_passkey(logged_in("zhaolei"), SoftKey())
    theirs = Passkey.objects.get(user__username="zhaolei")
    client = logged_in()
    answer = client.post(reverse("passkey_remove", args=[theirs.pk]), {"password": PASSWORD})
    assert answer.status_code == 404
    assert Passkey.objects.filter(pk=theirs.pk).exists()


def test_staff_keep_the_authenticator_app(settings):
    settings.STAFF_2FA = False
    UserFactory(username="ops", is_staff=True)
    client = logged_in("ops")
    refused = client.post(reverse("passkey_add_options"), {"password": PASSWORD})
    assert refused.status_code == 403 and not Passkey.objects.exists()


def test_a_numeric_address_is_told_passkeys_need_the_portals_name(family, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    client = logged_in()
    page = client.get(reverse("passkeys"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "Passkeys work only when the portal is opened by its name" in page


def test_the_owner_is_told_of_every_change_to_the_second_step(
    family, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client = logged_in()
        add_passkey(client, SoftKey(), name="办公室电脑")
    added = InboxMessage.objects.get(user=family, kind="passkey_added")
    assert "办公室电脑" in added.facts["name"] and added.important

    page = client.get(reverse("passkeys")).content.decode()
    code = re.findall(r"<code>([a-z0-9-]{11})</code>", page)[0]
    with django_capture_on_commit_callbacks(execute=True):
        logged_in().post(reverse("passkey_login"), {"token": code})
    used = InboxMessage.objects.get(user=family, kind="recovery_code_used")
    assert used.facts["left"] == "9"

    passkey = Passkey.objects.get(user=family)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("passkey_remove", args=[passkey.pk]), {"password": PASSWORD})
    assert InboxMessage.objects.filter(user=family, kind="passkey_removed").count() == 1


def test_the_second_step_costs_a_login_without_passkeys_no_query(family, settings):
    def queries(client: Client) -> int:
        client.get(reverse("home"))  # warm: the session's first touch
        with CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("home")).status_code == 200
        return len(seen)

    plain = logged_in()
    with_step = queries(plain)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("PasskeyMiddleware")]
    assert queries(plain) == with_step
