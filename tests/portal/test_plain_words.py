"""Families read sentences, never rule ids: every page a family can reach from
the family page, as the demo logins, in Chinese and in English, with and without
elder mode, shows no rule id of RULES.md ("W6", "(P3)", "C6") and no reason code
("W6-01", "F2-11") — in the text, in titles and labels a screen reader speaks,
and in the CSV files the pages offer. Refusals met on the way (a transfer too
large, a relative who is not one) are sentences too.

The pages are found by following the links, so a page added later is walked
without being listed here."""

import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DependentBinding, InsuredPerson
from accounts.proof import proof_token
from accounts.selectors import family_members
from claims.models import Bill, Disease
from tests.test_rules import rule_ids
from wallet.models import WalletPolicy

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-2026"
# Attributes whose words a person reads or hears (tooltips, screen readers, the
# labels of a table stacked into cards on a phone).
SPOKEN = {"title", "alt", "aria-label", "aria-description", "placeholder", "data-label"}
# Not pages of a family: leaving the portal, switching language, the admin, images.
SKIP = ("/admin/", "/i18n/", "/logout/", "/media/", "/static/", "/healthz", "/favicon.ico")
BINARY = (".pdf", ".svg", ".png")


class Words(HTMLParser):
    """The words of a page a person reads or hears: its text and its spoken
    attributes, not its markup, scripts or styles; and the links it offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        attributes = dict(attrs)
        self.words.extend(value for name, value in attrs if name in SPOKEN and value)
        if tag == "input" and attributes.get("type") in {"submit", "button"}:
            self.words.append(attributes.get("value") or "")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.words.append(data)


def rule_id_pattern() -> re.Pattern:
    """A rule id of RULES.md standing alone ("W6", "W6：", "(P3)", "W6-01",
    "W6.1"), never a part of a longer word or number ("W60", "AW6", "C6H12")."""
    ids = "|".join(sorted(rule_ids(), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{ids})(?:[-.]\d+)?(?![0-9A-Za-z])")


def read(response) -> Words:
    words = Words()
    words.feed(response.content.decode())
    return words


def found_ids(pattern: re.Pattern, text: str) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end() + 30].strip() for m in pattern.finditer(text)]


def logged_in(username: str, language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} cannot log in"
    return client


def walk(client: Client, starts: list[str], pattern: re.Pattern) -> tuple[dict, set[str]]:
    """Every page reachable from `starts` by following links; the rule ids found
    on each, and the URLs walked."""
    seen: set[str] = set()
    queue = list(starts)
    problems: dict[str, list[str]] = {}
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or path.startswith(SKIP) or path.endswith(BINARY):
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        if response.redirect_chain:  # a link that leads elsewhere: walk that page
            url = response.redirect_chain[-1][0]
            seen.add(url)
        kind = response.get("Content-Type", "")
        if kind.startswith("text/csv"):
            text = response.content.decode("utf-8-sig")
        else:
            words = read(response)
            text = " ".join(words.words)
            for link in words.links:
                target = urljoin(url, link)
                parts = urlsplit(target)
                web = parts.scheme in ("", "http", "https")  # not tel: (elder mode's call)
                if web and (not parts.netloc or parts.netloc == "testserver"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        if hits := found_ids(pattern, text):
            problems[url] = hits
    return problems, seen


@pytest.fixture
def demo(time_machine):
    # A weekday morning: the transfer pages are open (W7's quiet hours are not).
    time_machine.move_to("2026-03-02 10:00 +08:00", tick=False)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # W11 on: the transfer form also offers the wallet's received money.
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(received_money_sendable=True)


def estimate_url(**query) -> str:
    lines = {
        "line-TOTAL_FORMS": 1,
        "line-INITIAL_FORMS": 0,
        "line-0-code": "D0002",
        "line-0-quantity": 2,
        "line-0-unit_price": "",
    }
    return f"{reverse('claims:estimate')}?{urlencode({**query, **lines})}"


def extra_pages(username: str) -> list[str]:
    """Pages no link leads to as they are: every settled bill and statement of
    last year, the estimate with its "what if" rows (another kind of
    registration, a chronic recognition), a request's code page, the public
    proof-of-insurance check (valid and changed)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    members = family_members(user=user)
    bills = Bill.objects.filter(person__in=members)
    pages = [reverse("accounts:person_detail", args=[m.pk]) for m in members]
    pages += [reverse("claims:bill_detail", args=[b.pk]) for b in bills]
    pages += [f"{reverse('wallet:statement', args=[m.pk])}?year=2025" for m in members]
    pages += [
        reverse("accounts:binding_code", args=[b.pk])
        for b in DependentBinding.objects.filter(user=user, status="pending_code")
    ]
    token = proof_token(person=members[0], issued=timezone.localdate())
    pages += [reverse("proof_verify", args=[token]), reverse("proof_verify", args=[token[:-3]])]
    disease = Disease.objects.order_by("pk").first()
    for bill in bills.order_by("pk")[:1]:
        for member in members:
            for visit in ("outpatient", "inpatient"):
                common = {"person": member.pk, "facility": bill.facility_id, "visit": visit}
                pages.append(estimate_url(**common, disease="", day=""))
                pages.append(estimate_url(**common, disease=disease.pk, day=""))
    return pages


@pytest.mark.slow  # the whole demo, some 300 pages
def test_no_family_page_shows_a_rule_id(demo):
    pattern = rule_id_pattern()
    walked: set[str] = set()
    problems: dict[str, list[str]] = {}
    for language in ("zh-hans", "en"):
        for username, elder in (("demo", False), ("demo", True), ("demo-mother", False)):
            client = logged_in(username, language)
            if elder:
                client.post(reverse("elder_mode"), {"on": "1"})
            found, seen = walk(client, [reverse("home"), *extra_pages(username)], pattern)
            who = f"{language} {username}{' elder' if elder else ''}"
            problems |= {f"{who} {url}": hits for url, hits in found.items()}
            walked |= seen
            if elder:
                client.post(reverse("elder_mode"), {"on": "0"})
            # Refusals met on the way are sentences too.
            for response in refusals(client, username):
                text = " ".join(read(response).words)
                if hits := found_ids(pattern, text):
                    problems[f"{who} refused at {response.request['PATH_INFO']}"] = hits
        # Signed out: the front door.
        anonymous = Client()
        anonymous.cookies["django_language"] = language
        found, seen = walk(anonymous, [reverse("home"), reverse("login")], pattern)
        problems |= {f"{language} signed out {url}": hits for url, hits in found.items()}
        walked |= seen
    assert not problems, problems
    # The walk did reach the family's pages (a broken link-follower proves nothing).
    for page in ("/wallet/history/", "/claims/bills/", "/claims/summary/", "/messages/"):
        assert page in walked, sorted(walked)
    assert len(walked) > 60, sorted(walked)


def refusals(client: Client, username: str) -> list:
    """A few things a family may try that a rule refuses: a transfer too large
    and too small (W6), someone who is no close relative (A2)."""
    if username != "demo":
        return []
    father = InsuredPerson.objects.get(name="张建国")
    transfer = {"recipient": father.pk, "source": "personal"}
    answers = [
        client.post(
            reverse("wallet:transfer"), {**transfer, "amount": "99999", "idempotency_key": "big"}
        ),
        client.post(
            reverse("wallet:transfer"), {**transfer, "amount": "0.10", "idempotency_key": "small"}
        ),
        client.post(
            reverse("accounts:dependent_add"),
            {"national_id": father.national_id, "name": father.name, "relation": "other"},
        ),
    ]
    for response in answers:
        assert response.status_code == 200, response.status_code  # the form, with its error
    return answers
