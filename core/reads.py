"""Reads of several apps answered in one round trip.

A page drawn from several apps' selectors pays a round trip per statement, and on
a busy machine each costs milliseconds next to a page without data
(bench/pages.py). A selector may offer its statements as a ``Read`` (the
statements it would run and what it makes of their rows) and a view hand
several to ``read_together``: they are sent at once, in psycopg's pipeline mode,
and answered in one round trip. The statements stay the selectors' (each app's
sql/ package), prepared once per connection like core.db.prepared_cursor's.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connection

from core.db import _django_wrapper, _PreparingCursor


@dataclass(frozen=True)
class Read:
    """Prepared statements (text, parameters) whose rows are wanted together, and
    what to make of them: ``build`` is called with each statement's rows, in
    order. Selectors hand these to a view that reads several apps' parts of a
    page in one round trip (``read_together``)."""

    statements: tuple[tuple[str, dict], ...]
    build: Callable[..., Any]

    @classmethod
    def one(cls, text: str, params: dict, build: Callable[[list], Any]) -> "Read":
        return cls(((text, params),), build)

    def run(self) -> Any:
        """This read alone (its statements one after another)."""
        return read_together([self])[0]


def read_together(reads: Sequence[Read]) -> list:
    """Every statement of `reads` sent at once and answered in one round trip
    (psycopg's pipeline mode: the server runs them one after another, as if sent
    one by one, each prepared once per connection); returns each read's built
    result. A page made of several apps' independent reads pays one round trip
    instead of one per statement: on a busy machine each costs milliseconds
    (bench/pages.py). Without pipeline support (an old libpq) the statements
    go one by one."""
    statements = [statement for read in reads for statement in read.statements]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    rows: list[list] = []
    with connection.wrap_database_errors:
        cursors = [_django_wrapper(_PreparingCursor(raw)) for _ in statements]
        try:
            if len(statements) > 1 and psycopg.Pipeline.is_supported():
                # Fetched after the block: leaving it sends the statements with
                # one Sync and reads every result (fetching inside would wait
                # for the results, then again for the Sync: two round trips).
                with raw.pipeline():
                    for cursor, (text, params) in zip(cursors, statements, strict=True):
                        cursor.execute(text, params)
                rows = [cursor.fetchall() for cursor in cursors]
            else:
                for cursor, (text, params) in zip(cursors, statements, strict=True):
                    cursor.execute(text, params)
                    rows.append(cursor.fetchall())
        finally:
            for cursor in cursors:
                cursor.close()
    built, at = [], 0
    for read in reads:
        n = len(read.statements)
        built.append(read.build(*rows[at : at + n]))
        at += n
    return built
