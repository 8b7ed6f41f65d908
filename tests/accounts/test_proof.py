"""The proof of insurance (参保凭证): a PDF per person with a QR code of a signed,
expiring link; the public page says valid or not, with masked facts only; a
changed or expired link says so."""

import datetime
import logging
from types import SimpleNamespace

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


def test_a_91_day_old_link_says_expired_and_shows_no_facts(me, time_machine, settings):
    settings.PROOF_VALID_DAYS = 90
    time_machine.move_to(ISSUED)
    token = proof_token(person=me, issued=ISSUED.date())
    time_machine.move_to(ISSUED + datetime.timedelta(days=90))
    assert proof_check(token).valid  # the last day printed on the proof
    time_machine.move_to(ISSUED + datetime.timedelta(days=91))
    verdict = proof_check(token)
    assert verdict.state == "expired" and verdict.person is None
    html = verify_page(token)
    assert "has expired" in html
    for fact in ("张*", me.masked_id, str(me.region), "Status today", "Employee", "Active"):
        assert fact not in html, fact


def test_the_validity_is_a_setting(me, time_machine, settings):
    settings.PROOF_VALID_DAYS = 30
    time_machine.move_to(ISSUED)
    token = proof_token(person=me, issued=ISSUED.date())
    time_machine.move_to(ISSUED + datetime.timedelta(days=31))
    assert proof_check(token).state == "expired"


def test_the_token_stays_out_of_the_logs(me, time_machine, settings):
    """Django's lines (our access line, "Not Found" warnings, anything naming
    the path) and gunicorn's access log show /verify/[token]/."""
    from gunicorn.config import Config

    from core import logs
    from core.gunicorn import RedactingLogger

    time_machine.move_to(ISSUED)
    token = proof_token(person=me, issued=ISSUED.date())
    path = reverse("proof_verify", args=[token])
    line = logging.LogRecord("portal.request", logging.INFO, "", 0, "GET %s 200", (path,), None)
    for formatter in (logs.JsonFormatter(), logs.PlainFormatter()):
        text = formatter.format(line)
        assert token not in text and "GET /verify/[token]/ 200" in text

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?from=qr",
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://portal.example" + path,
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=512)
    atoms = RedactingLogger(Config()).atoms(response, [], environ, datetime.timedelta(0))
    assert atoms["r"] == "GET /verify/[token]/?from=qr HTTP/1.1"
    assert atoms["U"] == "/verify/[token]/"
    assert token not in repr(atoms)


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
