"""The small things families and operators met, each with the behaviour that
replaced it: one SMS signature, /healthz in sentences, browsers named in words,
answered messages no longer new, the transfer form inactive (and saying why)
while nothing can be sent, the premium card saying it is due, the designated
facility offered where its refusal is read, and a disease's English name."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import InboxMessage, MessageKind, OutboundMessage
from claims.models import Disease
from portal.browsers import browser_name
from tests.factories import plain
from tests.wallet.factories import make_family
from wallet.services import transfer_accept, transfer_create

MONDAY_10 = "2026-03-02 10:00:00 +08:00"
MONDAY_23 = "2026-03-02 23:00:00 +08:00"


@pytest.fixture
def fam(db, time_machine):
    time_machine.move_to(MONDAY_10)
    return make_family(balance="5000.00")


def client_for(client, user, language="zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def send(fam, key, amount="100.00"):
    return transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount=amount,
        idempotency_key=key,
        acting_user=fam["user"],
    )


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49",
            "WeChat on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        ("", "an unknown browser"),
    ],
)
def test_a_browser_is_named_in_words(agent, words):
    from django.utils import translation

    with translation.override("en"):
        assert browser_name(agent) == words


def test_every_text_opens_with_the_one_signature(fam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(fam, "k1")  # an important message: it is texted too
    texts = list(OutboundMessage.objects.values_list("body", flat=True))
    assert texts
    for body in texts:
        assert body.startswith("【家庭医保服务平台】")
        assert body.count("家庭医保服务平台") == 1


def test_healthz_says_what_is_down_in_a_sentence(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "任务队列（消息代理）无响应，短信、结算等后台工作将在其恢复后继续。"


def test_an_answered_transfer_no_longer_shows_as_new(fam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = send(fam, "k1")
    waiting = InboxMessage.objects.filter(kind=MessageKind.TRANSFER_WAITING)
    assert waiting.exists() and all(m.read_at is None for m in waiting)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_accept(transfer_id=transfer.pk, acting_user=fam["parent_user"])
    assert all(m.read_at is not None for m in waiting.all())


def test_the_transfer_form_is_inactive_and_says_why_in_quiet_hours(client, fam, time_machine):
    time_machine.move_to(MONDAY_23)
    html = client_for(client, fam["user"], "en").get(reverse("wallet:transfer")).content.decode()
    assert "No transfers between" in html
    assert '<fieldset class="plain" disabled>' in html


def test_the_transfer_form_says_when_todays_transfers_are_used(client, fam):
    for n in range(3):
        transfer = send(fam, f"k{n}")
        transfer_accept(transfer_id=transfer.pk, acting_user=fam["parent_user"])
    page = client_for(client, fam["user"], "en").get(reverse("wallet:transfer"))
    html = plain(page.content.decode())
    assert "Today's 3 transfers are used. You can send again tomorrow from 06:00." in html
    assert '<span class="badge ok">' not in html
    assert '<fieldset class="plain" disabled>' in html


def test_the_transfer_form_is_active_when_a_transfer_can_succeed(client, fam):
    html = client_for(client, fam["user"]).get(reverse("wallet:transfer")).content.decode()
    assert '<fieldset class="plain">' in html
    assert "每次最多 <span" in html and "</span>，22:00 关闭" in html  # ¥… once, no 元


def test_the_premium_card_says_it_is_not_paid_yet(client, fam):
    html = client_for(client, fam["user"], "en").get(reverse("wallet:index")).content.decode()
    assert "Resident premium 2026" in html
    assert '<span class="badge warn">not paid yet</span>' in html


def test_a_disease_reads_in_the_readers_language(fam):
    disease = Disease.objects.create(code="T-HT", name="高血压", name_en="hypertension")
    message = InboxMessage(
        user=fam["user"],
        kind=MessageKind.CHRONIC_APPROVED,
        facts={
            "person": "孙德胜",
            "disease": disease.name,
            "disease_en": disease.name_en,
            "until": str(datetime.date(2027, 12, 31)),
        },
    )
    from django.utils import translation

    with translation.override("en"):
        assert message.text.startswith("孙德胜's hypertension is recognised")
    with translation.override("zh-hans"):
        assert "高血压" in message.text
