"""The proof of insurance (参保凭证): a PDF per person with a QR code of a signed,
expiring link; the public page says valid or not, with masked facts only; a
changed or expired link says so."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.proof import proof_check, proof_token
from core.pdf import cjk_font
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def verify_page(token: str, language: str = "en") -> str:
    client = Client()  # the public: nobody logged in
    client.cookies["django_language"] = language
    response = client.get(reverse("proof_verify", args=[token]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_pdf_carries_the_facts_and_a_working_verification_link(me_client, me, time_machine):
    time_machine.move_to(ISSUED)
    response = me_client.get(reverse("accounts:person_proof", args=[me.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and cjk_font().encode() in response.content
    html = verify_page(proof_token(person=me, issued=ISSUED.date()))
    assert "Valid" in html and "Not valid" not in html
    # Masked facts only: the family name, the masked ID number.
    assert "张*" in html and me.masked_id in html
    assert "张伟" not in html and me.national_id not in html


def test_a_changed_link_proves_nothing(me):
    token = proof_token(person=me, issued=ISSUED.date())
    for changed in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "x" + token):
        html = verify_page(changed)
        assert "Not valid" in html and "This link has been changed" in html
        assert me.masked_id not in html
        assert proof_check(changed).state == "changed"


def test_an_expired_proof_says_so(me, time_machine, settings):
    settings.PROOF_VALID_DAYS = 90
    time_machine.move_to(ISSUED)
    token = proof_token(person=me, issued=ISSUED.date())
    time_machine.move_to(ISSUED + datetime.timedelta(days=89))
    assert proof_check(token).valid
    time_machine.move_to(ISSUED + datetime.timedelta(days=91))
    html = verify_page(token, language="zh-hans")
    assert "无效" in html and "已过期" in html and "2026-05-31" in html


def test_a_person_no_longer_insured_is_not_valid(me, time_machine):
    time_machine.move_to(ISSUED)
    token = proof_token(person=me, issued=ISSUED.date())
    me.status = "suspended"
    me.save(update_fields=["status"])
    html = verify_page(token)
    assert "Not valid" in html and "no longer active" in html


def test_only_the_family_may_print_a_proof(me_client):
    stranger = InsuredPersonFactory()
    assert me_client.get(reverse("accounts:person_proof", args=[stranger.pk])).status_code == 404
