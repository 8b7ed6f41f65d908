"""Simplified Chinese by default, English through the switcher (a cookie)."""

import polib
import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_default_language_is_simplified_chinese(client):
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "家庭医保服务平台" in html
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ


def test_switching_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Family Medical Insurance Portal" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "家庭医保服务平台" in client.get(reverse("home")).content.decode()


def test_every_message_has_a_chinese_translation():
    """The catalogue ships a Chinese translation for every message (none empty or fuzzy)."""
    po = polib.pofile(str(settings.BASE_DIR / "locale/zh_Hans/LC_MESSAGES/django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_admin_is_titled_for_the_portal(admin_client, english):
    assert "家庭医保服务平台" in admin_client.get("/admin/").content.decode()
    html = english(admin_client).get("/admin/").content.decode()
    assert "Family Medical Insurance Portal" in html


def test_browser_language_does_not_override_the_default(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html


def test_the_language_switcher_keeps_the_page(client):
    html = client.get("/login/?next=/wallet/").content.decode()
    assert '<input type="hidden" name="next" value="/login/?next=/wallet/">' in html
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/login/?next=/wallet/"}
    )
    assert response.status_code == 302 and response["Location"] == "/login/?next=/wallet/"
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()
