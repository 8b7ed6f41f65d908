"""core.db: the hot hand-written statements are prepared once per connection and
still counted like any other query."""

import pytest
from django.db import connection

from core.db import prepared_cursor


def prepared(text_start: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [text_start + "%"],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_statement_prepared_once_and_counted(django_assert_num_queries):
    sql = "SELECT %(x)s::int + 1 AS prepared_cursor_test"
    with django_assert_num_queries(3):
        for x in (41, 1, 2):
            with prepared_cursor() as cursor:
                cursor.execute(sql, {"x": x})
                assert cursor.fetchone()[0] == x + 1
    assert prepared("SELECT $1::int + 1 AS prepared_cursor_test") == 1


@pytest.mark.django_db
def test_orm_queries_are_not_prepared():
    from accounts.models import Province

    for _ in range(10):
        list(Province.objects.filter(code="prepared-cursor-test"))
    assert prepared('SELECT "accounts_province"') == 0


def test_preparing_can_be_switched_off_for_a_pooler():
    """PORTAL_PREPARED_STATEMENTS=0: nothing is prepared (PgBouncer before 1.21)."""
    from tests.portal.test_settings import run_manage

    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal"}
    on = run_manage("shell", "-c", code, env=env)
    off = run_manage("shell", "-c", code, env={**env, "PORTAL_PREPARED_STATEMENTS": "0"})
    assert "'prepare_threshold': 5" in on.stdout, on.stdout + on.stderr
    assert "prepare_threshold" not in off.stdout, off.stdout + off.stderr


@pytest.mark.django_db
def test_prepared_cursor_is_wrapped_like_any_django_cursor():
    """The one call to Django's private _prepare_cursor gives Django's own wrapper
    (query logging, error translation): a bad statement raises Django's error."""
    from django.db import ProgrammingError
    from django.db.backends.utils import CursorWrapper

    with prepared_cursor() as cursor:
        assert isinstance(cursor, CursorWrapper)
        with pytest.raises(ProgrammingError):
            cursor.execute("SELECT no_such_column_prepared FROM accounts_province")


@pytest.mark.django_db
def test_a_django_without_prepare_cursor_fails_loudly(monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections["default"], "_prepare_cursor", None)
    with pytest.raises(RuntimeError, match="_prepare_cursor"):
        prepared_cursor()
