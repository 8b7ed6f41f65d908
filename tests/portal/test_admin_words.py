"""The admin reads in Chinese: every list and change page of the demo, walked in
zh-Hans, shows no field, column or section named in English, no raw purpose key
(`signup_code`, `notice:transfer_waiting`), no label ending in an ASCII colon, and
login attempts at China Standard Time to the second. Rule ids (W10, C5) stay:
staff read them, each beside its sentence."""

import contextlib
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import OutboundMessage
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HEADINGS = re.compile(
    r'<th[^>]*scope="col"[^>]*>(.*?)</th>|<label[^>]*>(.*?)</label>|<h2[^>]*>(.*?)</h2>'
    r"|<title>(.*?)</title>|<h1>(.*?)</h1>",
    re.S,
)
TAG = re.compile(r"<[^>]+>")
ENGLISH_WORD = re.compile(r"[A-Za-z]?[a-z]{2,}")
# What may stay in Latin letters: acronyms, and the names the rows themselves
# carry (a login, a device, a file, a rule's sentence quoting a setting).
ALLOWED = {"demo", "mother", "admin", "ops", "wf", "csv", "xlsx", "sha"}
# The staff groups' names (S1, accounts/staff_roles.py) are rows' names too.
ALLOWED |= {"reviewer", "finance", "bulk", "operator", "auditor", "administrator"}
RAW = [
    re.compile(r"signup_code|reset_code|dependent_code|signup_notice|notice:[a-z_]+"),
    re.compile(r"\d{2}:\d{2}:\d{2}\.\d{6}|\+00:00"),  # UTC to the microsecond
    re.compile(r"Attempted Access|Access Log for|Failed access|Static devices|TOTP devices"),
    re.compile(r"\bP[Kk]\b"),  # a "pk" column is headed "Pk" (shown upper-case)
]


def _pages(model) -> list[str]:
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    pages = [reverse(f"{name}_changelist")]
    with contextlib.suppress(NoReverseMatch):
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse(f"{name}_change", args=[obj.pk]))
    return pages


def _english_words(text: str) -> list[str]:
    return [w for w in ENGLISH_WORD.findall(text) if w.lower() not in ALLOWED]


def test_every_admin_page_reads_in_chinese(admin_client):
    call_command("seed_demo", verbosity=0)
    OutboundMessage.objects.create(phone="13800138009", body="x", purpose="signup_code")
    OutboundMessage.objects.create(phone="13800138009", body="y", purpose="notice:transfer_waiting")
    # A lockout and a login, for the login-lockout pages.
    UserFactory(username="wf")
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(5):
        attacker.post(reverse("login"), {"username": "wf", "password": "wrong"})
    problems: dict[str, list[str]] = {}
    for model in admin.site._registry:
        for url in _pages(model):
            response = admin_client.get(url)
            if response.status_code != 200:
                continue
            html = response.content.decode()
            found = []
            for groups in HEADINGS.findall(html):
                text = TAG.sub(" ", "".join(groups))
                found += _english_words(text)
            found += re.findall(r"[\u4e00-\u9fff]:</label>", html)  # 编码: (ASCII colon)
            text = TAG.sub(" ", html)  # what is read, not the links' addresses
            found += [m.group(0) for pattern in RAW for m in pattern.finditer(text)]
            if found:
                problems[url] = sorted(set(found))
    index = admin_client.get(reverse("admin:index")).content.decode()
    app_list = TAG.sub(" ", index[index.index('<div id="content-main">') :])
    if _english_words(app_list):
        problems["/admin/"] = sorted(set(_english_words(app_list)))
    assert not problems, problems
