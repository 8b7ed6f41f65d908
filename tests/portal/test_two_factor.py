"""Staff second factor (STAFF_2FA): a staff login reaches no page until it has
entered a TOTP code; the first login enrols with a QR code and gets recovery
codes (each works once, stored hashed); wrong codes are refused and audited."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.STAFF_2FA = True


@pytest.fixture
def staff():
    return UserFactory(username="ops", is_staff=True, is_superuser=True)


def code_for(device: TOTPDevice) -> str:
    """What the authenticator app shows now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def admin_login(client: Client) -> None:
    response = client.post(
        reverse("admin:login"), {"username": "ops", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302


def enrol_link(user) -> str:
    """The one-time enrolment link another administrator issues for `user`."""
    from portal.services import two_factor

    other = UserFactory(is_staff=True, is_superuser=True)
    return reverse(
        "staff_enrol", args=[two_factor.enrolment_link_issue(user=user, issued_by=other)]
    )


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_first_staff_login_enrols_then_every_login_asks_for_a_code(staff, time_machine):
    # The clock stands still: the throttle's one second passes only when the test
    # moves it, however long a busy machine takes to answer each request.
    time_machine.move_to("2026-03-02 10:00:00 +08:00", tick=False)
    client = english()
    admin_login(client)
    # Password alone: the admin sends to the second step.
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor"))
    # Not trust-on-first-use: the password alone shows no QR code.
    refused = client.get(response["Location"])
    assert refused.status_code == 403 and "no authenticator yet" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=staff).exists()
    # Another administrator issues a one-time link; the staff member opens it.
    client.get(enrol_link(staff))
    page = client.get(response["Location"]).content.decode()
    assert "Set up your authenticator" in page and "<svg" in page  # the QR code
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)[1]
    assert secret.replace(" ", "") in device.config_url

    wrong = client.post(reverse("two_factor"), {"token": "000000", "next": "/admin/"})
    assert "This code is not right" in wrong.content.decode()
    too_soon = client.post(reverse("two_factor"), {"token": code_for(device), "next": "/admin/"})
    assert "Too many wrong codes: wait 1 second, then try again." in too_soon.content.decode()
    time_machine.shift(2)  # django-otp slows down after each wrong code
    done = client.post(reverse("two_factor"), {"token": code_for(device), "next": "/admin/"})
    html = done.content.decode()
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", html)
    assert len(codes) == 10 and "shown only now" in html
    # Stored hashed: no recovery code is in the database as typed.
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & {c for c in codes} and not stored & {c.replace("-", "") for c in codes}
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="2fa.enrol", actor=staff).exists()

    # The next login asks for the code again (not enrolment).
    client.post(reverse("admin:logout"))
    time_machine.shift(60)
    admin_login(client)
    step = client.get("/admin/", follow=True).content.decode()
    assert "Second step: your code" in step
    bad = client.post(reverse("two_factor"), {"token": "123456", "next": "/admin/"})
    assert "This code is not right, or was already used." in bad.content.decode()
    assert client.get("/admin/").status_code == 302
    time_machine.shift(10)  # django-otp slows down after a wrong code
    ok = client.post(reverse("two_factor"), {"token": code_for(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    actions = set(AuditEvent.objects.filter(actor=staff).values_list("action", flat=True))
    assert {"2fa.enrol", "2fa.verify", "2fa.wrong_code", "auth.login"} <= actions
    assert codes[0] not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_a_recovery_code_works_once(staff):
    from portal.services import two_factor

    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    codes = two_factor.recovery_codes_renew(user=staff)
    client = english()
    admin_login(client)
    ok = client.post(reverse("two_factor"), {"token": codes[0].upper(), "next": "/admin/"})
    assert ok.status_code == 302
    assert client.get("/admin/").status_code == 200

    again = english()
    admin_login(again)
    used = again.post(reverse("two_factor"), {"token": codes[0], "next": "/admin/"})
    assert "already used" in used.content.decode()
    assert device.pk


def test_portal_pages_wait_for_the_second_factor_too(staff):
    client = english()
    client.post(reverse("login"), {"username": "ops", "password": PASSWORD})
    response = client.get(reverse("wallet:index"))
    assert response["Location"].startswith(reverse("two_factor"))


def test_families_are_not_asked(user_client):
    assert user_client.get(reverse("home")).status_code == 200


def test_off_when_the_setting_is_off(settings, staff):
    settings.STAFF_2FA = False
    client = english()
    admin_login(client)
    assert client.get("/admin/").status_code == 200


def test_on_by_default_in_production_and_off_in_the_demo():
    from tests.portal.test_settings import PRODUCTION_ENV, run_manage

    code = "from django.conf import settings; print(settings.STAFF_2FA)"
    production = run_manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert production.stdout.split()[-1] == "True", production.stderr
    demo = run_manage("shell", "-c", code, env={**PRODUCTION_ENV, "DEBUG": "1"})
    assert demo.stdout.split()[-1] == "False", demo.stderr


def test_another_administrator_removes_a_lost_authenticator_without_seeing_its_secret(
    staff, settings
):
    from portal.services import two_factor

    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    two_factor.recovery_codes_renew(user=staff)
    settings.STAFF_2FA = False  # the helper's own second step is tested above
    helper = english()
    helper.force_login(UserFactory(username="ops2", is_staff=True, is_superuser=True))
    change = helper.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200
    assert device.key not in change.content.decode()
    assert helper.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    helper.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # At the next login the owner enrols a new authenticator, through a link.
    settings.STAFF_2FA = True
    client = english()
    admin_login(client)
    client.get(enrol_link(staff))
    page = client.get(reverse("two_factor")).content.decode()
    assert "Set up your authenticator" in page
