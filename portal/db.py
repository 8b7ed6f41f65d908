"""Prepared statements for the hot hand-written SQL paths (PostgreSQL only).

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

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor


class _PreparingCursor(ServerBindingCursor):
    """Server-side binding; each statement prepared on its first execution."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


def prepared_cursor():
    """A Django cursor wrapper over a server-binding, preparing psycopg cursor:
    ``with prepared_cursor() as cursor:``; PostgreSQL only. Placeholders are the
    usual ``%s`` / ``%(name)s``; the statement text must be fixed (one prepared
    statement per text), and a parameter whose type PostgreSQL cannot infer
    (a bare NULL in a SELECT list) needs a cast (``%(x)s::bigint``)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("prepared_cursor() is for PostgreSQL")
    # What BaseDatabaseWrapper._cursor() does, with our cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_PreparingCursor(connection.connection))
