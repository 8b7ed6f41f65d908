"""Staff never see a live code: the SMS outbox masks one-time codes outside the
demo, and a staff login's first authenticator is enrolled only through a
one-time link another administrator issued (manage.py staff_enrol for the
first administrator), never on the password alone."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import OutboundMessage
from accounts.models.outbox import CODE_MASK
from core import clock
from core.models import AuditEvent
from portal.models import StaffEnrolmentLink
from portal.services import two_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026"
CODE = "731946"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.STAFF_2FA = True


def staff_client(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    assert (
        client.post(
            reverse("admin:login"), {"username": user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


def verified_admin(username="root"):
    """An administrator who passed the second step (the admin test client)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    admin = UserFactory(username=username, is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return admin, client


def queued_code() -> OutboundMessage:
    return OutboundMessage.objects.create(
        phone="13912345678",
        body=f"Your portal code is {CODE}. It is valid for 10 minutes.",
        purpose="signup",
        code=CODE,
        code_expires_at=clock.now() + datetime.timedelta(minutes=10),
    )


@pytest.mark.parametrize("shows", [False, True])
def test_the_outbox_masks_live_codes_outside_the_demo(settings, shows):
    settings.SMS_OUTBOX_SHOWS_CODES = shows
    message = queued_code()
    _admin, client = verified_admin()
    pages = [
        client.get(reverse("admin:accounts_outboundmessage_changelist")),
        client.get(reverse("admin:accounts_outboundmessage_change", args=[message.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert (CODE in html) is shows
        assert (CODE_MASK in html) is not shows


def test_production_settings_mask_and_the_demo_shows():
    from tests.portal.test_settings import PRODUCTION_ENV, run_manage

    code = "from django.conf import settings; print(settings.SMS_OUTBOX_SHOWS_CODES)"
    production = run_manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert production.stdout.split()[-1] == "False", production.stderr
    demo = run_manage("shell", "-c", code, env={**PRODUCTION_ENV, "DEBUG": "1"})
    assert demo.stdout.split()[-1] == "True", demo.stderr


def test_a_password_alone_cannot_enrol_a_first_authenticator():
    ops = UserFactory(username="ops", is_staff=True)
    client = staff_client(ops)
    page = client.get(reverse("two_factor"))
    assert page.status_code == 403
    html = page.content.decode()
    assert "no authenticator yet" in html and 'id="totp-qr"' not in html
    assert "totp-secret" not in html
    refused = client.post(reverse("two_factor"), {"token": "123456"})
    assert refused.status_code == 403
    assert not TOTPDevice.objects.filter(user=ops).exists()
    assert client.get("/admin/").status_code == 302


def test_another_administrator_issues_a_one_time_link_in_the_admin():
    ops = UserFactory(username="ops", is_staff=True)
    admin, admin_client = verified_admin()
    add = reverse("admin:portal_staffenrolmentlink_add")
    form = admin_client.get(add).content.decode()
    assert f'value="{ops.pk}"' in form and f'value="{admin.pk}"' not in form  # not oneself
    done = admin_client.post(add, {"user": ops.pk}, follow=True).content.decode()
    url = re.search(r"http://testserver(/staff-enrol/[A-Za-z0-9_-]+/)", done)[1]
    link = StaffEnrolmentLink.objects.get(user=ops)
    assert link.issued_by == admin and url.split("/")[2] not in link.token_hash
    assert AuditEvent.objects.filter(action="2fa.enrol_link", actor=admin).exists()

    # Someone else logged in cannot use it.
    intruder = staff_client(UserFactory(username="intruder", is_staff=True))
    assert intruder.get(url).status_code == 404
    assert intruder.get(reverse("two_factor")).status_code == 403

    client = staff_client(ops)
    assert client.get(url)["Location"] == reverse("two_factor")
    page = client.get(reverse("two_factor")).content.decode()
    assert "Set up your authenticator" in page and 'id="totp-qr"' in page
    device = TOTPDevice.objects.get(user=ops, confirmed=False)
    from tests.portal.test_two_factor import code_for

    enrolled = client.post(reverse("two_factor"), {"token": code_for(device), "next": "/admin/"})
    assert "shown only now" in enrolled.content.decode()
    link.refresh_from_db()
    assert link.used_at is not None
    # Once: the link does nothing after it was used.
    assert staff_client(ops).get(url).status_code == 404


def test_nobody_issues_their_own_link():
    admin = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(ValueError):
        two_factor.enrolment_link_issue(user=admin, issued_by=admin)


def test_the_first_administrator_gets_a_link_from_the_command(settings):
    settings.ALLOWED_HOSTS = ["portal.example.cn", "testserver"]
    UserFactory(username="root", is_staff=True, is_superuser=True)
    out, err = io.StringIO(), io.StringIO()
    call_command("staff_enrol", "root", stdout=out, stderr=err)
    url = out.getvalue().strip()
    assert re.fullmatch(r"https://portal\.example\.cn/staff-enrol/[A-Za-z0-9_-]+/", url)
    assert "once" in err.getvalue()
    link = StaffEnrolmentLink.objects.get()
    assert link.issued_by is None
    client = staff_client(UserFactory._meta.model.objects.get(username="root"))
    assert client.get(url.removeprefix("https://portal.example.cn"))["Location"] == reverse(
        "two_factor"
    )
    assert "Set up your authenticator" in client.get(reverse("two_factor")).content.decode()
