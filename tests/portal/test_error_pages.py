"""404, 403, 500 and CSRF failures: the portal's layout, the reader's language,
never a stack trace or an exception's text."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

BRAND = {"en": "Family Medical Insurance Portal", "zh-hans": "家庭医保服务平台"}
TEXTS = {
    404: {"en": "Page not found", "zh-hans": "页面不存在"},
    403: {"en": "Not allowed", "zh-hans": "无权访问"},
    500: {"en": "Something went wrong", "zh-hans": "出错了"},
}


def client_in(language: str, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    client.cookies["django_language"] = language
    return client


def assert_portal_page(html: str, language: str) -> None:
    assert f'<html lang="{language}">' in html
    assert BRAND[language] in html and '<main id="main">' in html
    assert "Traceback" not in html and "secret-detail" not in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("status", "path"), [(404, "/no-such-page/"), (403, "/test-forbidden/"), (500, "/test-boom/")]
)
def test_error_pages_are_translated_and_in_the_layout(settings, language, status, path):
    settings.DEBUG = False
    response = client_in(language).get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert_portal_page(html, language)
    assert TEXTS[status][language] in html


@pytest.mark.parametrize(
    ("language", "reload"), [("en", "Reload the page"), ("zh-hans", "请刷新页面")]
)
def test_csrf_failure_tells_to_reload(user, language, reload):
    client = client_in(language, enforce_csrf_checks=True)
    client.get(reverse("login"))  # the form's page sets the CSRF cookie
    response = client.post(
        reverse("login"),
        {"username": "lihua", "password": "Secr3t-pass!", "csrfmiddlewaretoken": "x" * 64},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert_portal_page(html, language)
    assert reload in html
    # The page carries a fresh token: the language switcher on it works.
    assert 'name="csrfmiddlewaretoken"' in html


def test_csrf_failure_without_the_cookie_says_cookies_are_needed(english):
    client = english(Client(enforce_csrf_checks=True))
    response = client.post(reverse("login"), {"username": "lihua", "password": "x"})
    assert response.status_code == 403
    assert "must accept cookies" in response.content.decode()
