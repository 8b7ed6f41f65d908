"""Non-local registration (F3): kinds, validity, proof or commitment, overlaps."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AccountsPolicy, NonLocalRegistration, Region
from accounts.selectors import registration_on
from accounts.services import registration_cancel, registration_file
from core.models import AuditEvent
from tests.accounts.conftest import error_codes
from tests.factories import chengdu

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 10)
NOW = datetime.datetime(2026, 5, 10, 2, 0, tzinfo=datetime.UTC)
Kind = NonLocalRegistration.Kind


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def file(me, **kwargs):
    args = {
        "actor": me.user,
        "person": me,
        "destination": chengdu(),
        "kind": Kind.LONG_TERM_RESIDENT,
        "start_date": TODAY,
        "proof": "commitment",
        "commitment_accepted": True,
        "commitment_name": me.name,
        **kwargs,
    }
    return registration_file(**args)


def refusal(me, field, **kwargs):
    with pytest.raises(ValidationError) as exc:
        file(me, **kwargs)
    return error_codes(exc.value, field)


def test_long_term_registration_with_a_signed_commitment_is_valid_until_changed(me):
    reg = file(me)
    assert reg.end_date is None and reg.status == "active"
    assert reg.commitment_signed_name == "张伟" and reg.commitment_signed_at is not None
    assert "张伟" in reg.commitment_text and "成都" in reg.commitment_text
    assert registration_on(person=me, day=datetime.date(2030, 1, 1)) == reg
    assert AuditEvent.objects.filter(action="registration.file", person=me).exists()


@pytest.mark.parametrize("kind", [Kind.REFERRAL, Kind.EMERGENCY, Kind.OTHER_TEMPORARY])
def test_temporary_kinds_last_six_months_by_default(me, kind):
    reg = file(me, kind=kind, proof="none")
    assert reg.end_date == datetime.date(2026, 11, 10)
    assert registration_on(person=me, day=datetime.date(2026, 11, 10)) == reg
    assert registration_on(person=me, day=datetime.date(2026, 11, 11)) is None


def test_temporary_validity_is_a_setting(me):
    AccountsPolicy.objects.filter(pk=AccountsPolicy.current().pk).update(
        temporary_registration_months=3
    )
    assert file(me, kind=Kind.REFERRAL, proof="none").end_date == datetime.date(2026, 8, 10)


def test_proof_of_residence_needs_the_upload(me):
    assert refusal(me, "proof_document", proof="residence") == ["F3-03"]
    upload = SimpleUploadedFile("permit.jpg", b"\xff\xd8jpeg", "image/jpeg")
    reg = file(me, proof="residence", proof_document=upload)
    assert reg.proof_document.name.endswith(".jpg")


def test_commitment_must_be_ticked_and_signed_with_a_matching_name(me):
    assert refusal(me, "commitment_accepted", commitment_accepted=False) == ["F3-04"]
    assert refusal(me, "commitment_name", commitment_name="李四") == ["F3-05"]
    assert refusal(me, "commitment_name", commitment_name="") == ["F3-05"]


def test_long_term_kinds_need_some_proof(me):
    assert refusal(me, "proof", proof="none") == ["F3-07"]


def test_a_user_signs_for_a_dependent_with_their_own_name(me, father):
    reg = file(me, person=father, destination=Region.objects.get(code="500100"),
               commitment_name="张伟")  # fmt: skip
    assert reg.person == father and reg.created_by == me.user


def test_destination_must_be_another_pooling_area(me):
    assert refusal(me, "destination", destination=me.region) == ["F3-01"]


def test_start_date_in_the_past_only_for_an_emergency(me):
    yesterday = TODAY - datetime.timedelta(days=1)
    assert refusal(me, "start_date", start_date=yesterday) == ["F3-06"]
    reg = file(me, kind=Kind.EMERGENCY, proof="none", start_date=yesterday)
    assert reg.start_date == yesterday


def test_overlapping_active_registrations_are_refused(me):
    temp = file(me, kind=Kind.REFERRAL, proof="none")  # until 2026-11-10
    assert refusal(me, "start_date") == ["F3-02"]  # long-term from today
    later = file(me, start_date=datetime.date(2026, 11, 11))  # after it ends: fine
    assert refusal(me, "start_date", kind=Kind.REFERRAL, proof="none",
                   start_date=datetime.date(2027, 6, 1)) == ["F3-02"]  # fmt: skip
    registration_cancel(actor=me.user, registration=later)
    registration_cancel(actor=me.user, registration=temp)
    assert file(me).status == "active"  # cancelled ones do not count


def test_cancel_twice_is_refused_and_audited_once(me):
    reg = file(me)
    registration_cancel(actor=me.user, registration=reg)
    reg.refresh_from_db()
    assert reg.status == "cancelled" and reg.cancelled_at is not None
    with pytest.raises(ValidationError) as exc:
        registration_cancel(actor=me.user, registration=reg)
    assert error_codes(exc.value) == ["F3-08"]
    assert AuditEvent.objects.filter(action="registration.cancel").count() == 1
    assert registration_on(person=me, day=TODAY) is None


def test_a_start_date_too_far_ahead_is_refused_and_not_offered(me, settings, client):
    """F3: REGISTRATION_MAX_DAYS_AHEAD (365 unless set) bounds the start; 2099 is refused."""
    settings.REGISTRATION_MAX_DAYS_AHEAD = 200
    assert refusal(me, "start_date", start_date=datetime.date(2099, 1, 1)) == ["F3-09"]
    last = TODAY + datetime.timedelta(days=200)
    assert file(me, start_date=last).start_date == last
    client.force_login(me.user)
    html = client.get(reverse("accounts:registration_new", args=[me.pk])).content.decode()
    assert f'max="{last.isoformat()}"' in html
