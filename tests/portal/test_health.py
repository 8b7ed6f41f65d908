"""/healthz checks the database and the broker (the production process check)."""

import pytest
from django.db.utils import ConnectionHandler
from django.urls import reverse
from django.utils import translation

from portal import health
from portal.health import check_database

pytestmark = pytest.mark.django_db


def test_healthz_ok_against_postgresql_and_redis(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["broker"], body["status"]) == ("ok", "ok", "ok")


def test_healthz_503_names_the_broker_when_it_is_down(client, settings, english):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = english(client).get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    # A sentence an operator can act on, not an exception's class name.
    assert body["broker"] == (
        "the job queue (broker) does not answer: connection refused (is the server running?)"
    )
    assert "broker" in body["status"]


def test_database_check_reports_an_unreachable_server():
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "portal",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    try:
        with translation.override("en"):
            reason = check_database(handler["default"])
        assert reason == "connection refused (is the server running?)"
    finally:
        handler.close_all()


def test_healthz_is_not_cached(client):
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]


def test_healthz_503_names_the_database_when_it_is_down(client, settings, monkeypatch, english):
    """The database answers nothing (wrong port): 503, the database named, the
    broker still checked, and none of the connection's secrets in the answer."""
    down = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "portal",
                "USER": "portal-db-user",
                "PASSWORD": "db-pw-Zk4",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    monkeypatch.setattr(health, "connections", down)
    settings.CELERY_BROKER_URL = "redis://:broker-pw-Qx7@127.0.0.1:1/0"
    try:
        response = english(client).get(reverse("healthz"))
    finally:
        down.close_all()
    assert response.status_code == 503
    body, text = response.json(), response.content.decode()
    assert body["database"].startswith("the database does not answer: connection refused")
    assert body["broker"] != "ok"
    assert "Error" not in text  # no exception class names
    assert "database" in body["status"] and "broker" in body["status"]
    for secret in ("db-pw-Zk4", "portal-db-user", "broker-pw-Qx7", "127.0.0.1"):
        assert secret not in text


def test_healthz_reads_in_chinese_by_default(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = client.get(reverse("healthz")).json()
    assert body["broker"] == "任务队列（消息代理）无响应：连接被拒绝（服务器是否在运行？）"


def test_healthz_shows_the_last_ledger_check(client, english, time_machine):
    """W10: the nightly reconciliation's last result, in words; a difference is
    shown but does not take the site out of service (still 200)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.wallet.factories import make_family
    from wallet.models import AccountKind, LedgerAccount

    english(client)
    time_machine.move_to("2026-03-02 03:30:00+08:00", tick=False)
    assert client.get(reverse("healthz")).json()["ledger_check"] == "not run yet"
    make_family()
    call_command("ledger_check")
    assert client.get(reverse("healthz")).json()["ledger_check"] == "clean at 2026-03-02 03:30"

    account = LedgerAccount.objects.filter(kind=AccountKind.PERSONAL).first()
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance + 1)
    time_machine.move_to("2026-03-03 03:30:00+08:00", tick=False)
    with pytest.raises(CommandError):
        call_command("ledger_check")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["ledger_check"] == "1 problem found at 2026-03-03 03:30"

    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance)
    call_command("ledger_check")
    time_machine.move_to("2026-03-05 03:30:00+08:00", tick=False)  # beat stopped
    assert client.get(reverse("healthz")).json()["ledger_check"] == (
        "clean at 2026-03-03 03:30, and not checked since"
    )
