"""Fixtures for the people tests: a signed-in user linked to their own record."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import OutboundMessage
from tests.factories import InsuredPersonFactory, UserFactory, chengdu, chongqing


@pytest.fixture
def me(db):
    """The user 张伟 (employee, Chongqing, born 1984) linked to his own record."""
    user = UserFactory(username="zhangwei")
    person = InsuredPersonFactory(
        name="张伟", region=chongqing(), born=datetime.date(1984, 3, 12), user=user
    )
    return person


@pytest.fixture
def me_client(me) -> Client:
    client = Client()
    client.force_login(me.user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def father(db):
    return InsuredPersonFactory(
        name="张建国", region=chengdu(), born=datetime.date(1956, 8, 20), insurance_type="resident"
    )


@pytest.fixture
def daughter(db):
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date for an age
    return InsuredPersonFactory(
        name="张小雨",
        region=chongqing(),
        born=datetime.date(today.year - 8, 1, 1),
        sex="F",
        insurance_type="resident",
        phone="",
    )


def document() -> SimpleUploadedFile:
    return SimpleUploadedFile("birth.pdf", b"%PDF-1.4 birth certificate", "application/pdf")


def last_code(person) -> str:
    """The code in the latest SMS the outbox holds for `person`."""
    message = OutboundMessage.objects.filter(person=person).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", message.body)[1]


def error_codes(exc, field=None) -> list[str]:
    """The reason codes of a ValidationError (optionally those on one field)."""
    if hasattr(exc, "error_dict"):
        if field is not None:
            return [e.code for e in exc.error_dict.get(field, [])]
        return [e.code for errors in exc.error_dict.values() for e in errors]
    return [e.code for e in exc.error_list]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded documents go to a temporary folder, not the project's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def no_sms_pacing(settings):
    """For tests about bindings, not about SMS limits: several relatives added
    or codes resent within a minute. The one-a-minute and ten-a-day limits are
    tested on their own in test_codes.py."""
    settings.SMS_INTERVAL_SECONDS = 0
    settings.SMS_PER_DAY = 1000
