"""Private pages stay private: a strict Content-Security-Policy and a
Permissions-Policy on every answer, no-store on whatever a logged-in user gets
(pages, partials, exports); no inline script or style in any template."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_answer_carries_the_policies(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]


def test_logged_in_pages_partials_and_exports_are_not_stored(user_client, user):
    from tests.factories import InsuredPersonFactory

    person = InsuredPersonFactory(user=user)
    for url, headers in [
        (reverse("home"), {}),
        (reverse("home"), {"HX-Request": "true"}),
        (reverse("wallet:index"), {}),
        (reverse("claims:summary_csv", args=[person.pk, 2025]), {}),
        (reverse("accounts:person_qr_svg", args=[person.pk]), {}),
    ]:
        response = user_client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_templates_have_no_inline_script_style_or_handlers():
    found = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"<style",
            r"\sstyle=",
            r"\son[a-z]+=",
            r"hx-on",
            r"javascript:",
        ):
            if re.search(pattern, text):
                found.append(f"{template.name}: {pattern}")
    assert not found


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client):
    html = client.get(reverse("login")).content.decode()
    assert '"includeIndicatorStyles": false' in html and '"allowEval": false' in html


def test_a_bad_request_is_answered_in_the_portals_layout_and_language(settings):
    from django.test import Client

    settings.DEBUG = False
    client = Client(HTTP_HOST="evil.example", raise_request_exception=False)
    response = client.get("/")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<main id="main">' in html and "无法识别该请求" in html
