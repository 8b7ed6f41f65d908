"""Liveness checks for /healthz: the database and the Celery broker."""

import os

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from kombu import Connection


def check_database(connection: BaseDatabaseWrapper | None = None) -> str | None:
    """None when the database answers a query, else a short reason."""
    connection = connection or connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return type(exc).__name__
    return None


def check_broker(url: str | None = None) -> str | None:
    """None when the broker accepts a connection, else a short reason."""
    url = url or settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        os.makedirs(folder, exist_ok=True)
        return None if os.access(folder, os.W_OK) else "broker folder not writable"
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return type(exc).__name__
    return None
