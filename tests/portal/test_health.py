"""/healthz checks the database and the broker (the production process check)."""

import pytest
from django.db.utils import ConnectionHandler
from django.urls import reverse

from portal import health
from portal.health import check_database

pytestmark = pytest.mark.django_db


def test_healthz_ok_against_postgresql_and_redis(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_healthz_503_names_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] != "ok"
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
        assert check_database(handler["default"]) == "OperationalError"
    finally:
        handler.close_all()


def test_healthz_is_not_cached(client):
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]


def test_healthz_503_names_the_database_when_it_is_down(client, settings, monkeypatch):
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
        response = client.get(reverse("healthz"))
    finally:
        down.close_all()
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "OperationalError" and body["broker"] != "ok"
    assert "database" in body["status"] and "broker" in body["status"]
    text = response.content.decode()
    for secret in ("db-pw-Zk4", "portal-db-user", "broker-pw-Qx7", "127.0.0.1"):
        assert secret not in text
