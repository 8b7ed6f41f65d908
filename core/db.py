"""Database helpers: prepared statements for the hottest hand-written statements,
and the JSON parameter the set-based statements read their rows from.

Prepared statements
-------------------
Django's psycopg 3 backend binds parameters on the client and prepares nothing
(connection poolers in transaction mode keep working). For the few statements
that run thousands of times a second (a wallet transfer's round trips) the server
then parses and plans every one of them each time: planning the transfer's facts
query cost about as much as running it (bench/transfers.py). ``prepared_cursor()``
gives a cursor, wrapped by Django like any other (query logging,
``django_assert_num_queries``, error translation), whose statements are bound on
the server and prepared once per connection; psycopg keeps the per-connection
cache (``prepared_max``) and prepares again after a reconnect by itself.

Preparing needs the connection's ``prepare_threshold`` (settings.py sets it on
PostgreSQL unless ``PORTAL_PREPARED_STATEMENTS=0``, for a transaction-mode pooler
that cannot follow prepared statements); without it the same cursor binds on the
server and prepares nothing. The ORM's cursors bind on the client and never
prepare either way.
"""

import json

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor


class _PreparingCursor(ServerBindingCursor):
    """Server-side binding; each statement prepared on its first execution."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


def _django_wrapper(cursor):
    """Wrap a raw psycopg cursor the way Django wraps its own (query logging,
    error translation, ``django_assert_num_queries``).

    The one place that calls Django's private ``connection._prepare_cursor``
    (what ``BaseDatabaseWrapper._cursor()`` does with the cursor it creates).
    A Django upgrade that renames it fails here, loudly, not in a transfer;
    tests/core/test_db.py pins the behaviour."""
    prepare = getattr(connection, "_prepare_cursor", None)
    if prepare is None:
        raise RuntimeError(
            "django.db connection has no _prepare_cursor(): core.db.prepared_cursor "
            "needs updating for this Django version"
        )
    return prepare(cursor)


def prepared_cursor():
    """A Django cursor wrapper over a server-binding, preparing psycopg cursor:
    ``with prepared_cursor() as cursor:``. Placeholders are the
    usual ``%s`` / ``%(name)s``; the statement text must be fixed (one prepared
    statement per text), and a parameter whose type PostgreSQL cannot infer
    (a bare NULL in a SELECT list) needs a cast (``%(x)s::bigint``)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return _django_wrapper(_PreparingCursor(connection.connection))


def json_param(rows) -> str:
    """Rows for a set-based statement as one JSON document (read there with
    jsonb_array_elements): Decimals and dates as their exact text, compact."""
    return json.dumps(rows, default=str, ensure_ascii=False, separators=(",", ":"))
