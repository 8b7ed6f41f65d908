"""Every main page reads wholly in the chosen language: no Chinese left on English
pages, no English left on Chinese ones (names, codes and other data aside)."""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.test import Client

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u3011]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
# Latin words that are the same in both languages: units, formats, the time zone,
# the switcher's "English", the tax formula's min/max.
LATIN_IN_CHINESE = {"CNY", "PDF", "JPG", "PNG", "CSV", "SVG", "ID", "QR", "GBK", "UTF", "xlsx",
                    "English", "Asia", "Shanghai", "min", "max"}  # fmt: skip
# Chinese terms the English pages quote on purpose, as they appear on receipts.
GLOSSARY = {"简体中文", "自付", "自费"}


class VisibleText(HTMLParser):
    """The text a person reads: element text, plus titles, placeholders and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in {"title", "placeholder", "aria-label", "alt"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def data_values() -> str:
    """Every stored text value (names, places, codes): these show in any language."""
    values = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        if fields:
            for row in model._default_manager.values_list(*fields):
                values.extend(str(v) for v in row if v)
    return "\n".join(values)


PAGES = [
    "/",
    "/login/",
    "/signup/",
    "/password/change/",
    "/password/change/done/",
    "/family/add/",
    "/wallet/",
    "/wallet/transfer/",
    "/wallet/history/",
    "/wallet/pooling/",
    "/claims/bills/",
    "/claims/estimate/",
    "/claims/summary/",
    "/claims/facilities/",
    "/claims/chronic/",
    "/me/",
    "/messages/",
    "/family/",
    "/no-such-page/",
]


def test_main_pages_read_wholly_in_the_chosen_language():
    call_command("seed_demo", verbosity=0)
    from accounts.demo import demo_family

    employee = demo_family()["employee"]
    pages = [
        *PAGES,
        f"/wallet/statement/{employee.pk}/",
        f"/family/people/{employee.pk}/counter/",
        f"/family/people/{employee.pk}/",
    ]
    data = data_values()
    leftovers = {}
    for language in ("en", "zh-hans"):
        anonymous, client = Client(), Client()
        for c in (anonymous, client):
            c.cookies["django_language"] = language
        client.force_login(get_user_model().objects.get(username="demo"))
        for path in pages:
            who = anonymous if path in {"/login/", "/signup/"} else client
            response = who.get(path)
            assert response.status_code == (404 if "no-such" in path else 200), path
            text = visible_text(response.content.decode())
            if language == "en":
                found = {run for run in HAN.findall(text) if run not in data} - GLOSSARY
            else:
                found = {w for w in WORD.findall(text) if w not in data}
                found -= LATIN_IN_CHINESE
            if found:
                leftovers[language, path] = sorted(found)
    assert leftovers == {}
