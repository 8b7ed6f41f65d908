"""The hand-written SQL keeps its house rules (core/sql.py): every statement is
registered in its app's sql package and prepares against the migrated schema;
what a family's page, a transfer or a settlement runs reads no growing table from
end to end; no app's SQL names another app's table; enum values are parameters;
and no statement lives anywhere else. One data path: no SQL-or-ORM switch, no
database-vendor branch, no SQLite."""

import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from core import sql as core_sql

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "wallet", "claims", "bulk", "core", "portal")
PARAMETER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def registry():
    core_sql.load_all()
    return dict(core_sql.REGISTRY)


def numbered(text: str) -> tuple[str, list[str]]:
    """The statement with psycopg's %(name)s as PostgreSQL's $n, and the names."""
    names: list[str] = []

    def number(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return PARAMETER.sub(number, text).replace("%%", "%"), names


def growing_tables() -> set[str]:
    import importlib

    tables = set()
    for app in ("accounts", "wallet", "claims", "bulk", "portal"):
        module = importlib.import_module(f"{app}.sql")
        tables |= {model._meta.db_table for model in module.GROWING}
    return tables


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def preparable(statement) -> bool:
    return not statement.text.lstrip().upper().startswith(("COPY", "SET", "LOCK", "TRUNCATE"))


def test_every_app_registers_its_statements(registry):
    assert {s.app for s in registry.values()} == {"accounts", "wallet", "claims", "bulk", "portal"}
    for name in (
        "accounts.family_page",
        "accounts.message_write",
        "wallet.post_pair",
        "wallet.transfer_write",
        "wallet.payment_write",
        "wallet.sweep_chunk",
        "claims.settlement_load_one",
        "claims.settlement_store",
    ):
        assert name in registry, name


@pytest.mark.django_db
def test_every_statement_prepares_against_the_migrated_schema(registry):
    problems = []
    for key, statement in sorted(registry.items()):
        if not preparable(statement):
            continue
        text, _names = numbered(statement.text)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"PREPARE sql_check AS {text}")
                cursor.execute("DEALLOCATE sql_check")
        except Exception as error:  # report every statement, not the first
            problems.append(f"{key}: {error}")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_copy_statements_name_real_columns(registry):
    copies = [s for s in registry.values() if s.text.lstrip().upper().startswith("COPY")]
    assert copies
    for statement in copies:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(statement.text),
        ):
            pass  # no rows: the table and columns exist


@pytest.mark.django_db
def test_no_page_transfer_or_settlement_statement_reads_a_growing_table_end_to_end(registry):
    """With sequential scans switched off the planner keeps one only where no
    index can serve; a generic plan (what a prepared statement settles on) does
    not depend on the values, so the test database's size does not matter."""
    growing = growing_tables()
    assert {"accounts_insuredperson", "wallet_ledgerentry", "claims_bill"} <= growing
    checked, problems = [], []
    for key, statement in sorted(registry.items()):
        if not statement.serves:
            continue
        text, names = numbered(statement.text)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute(f"PREPARE scan_check AS {text}")
            nulls = ", ".join("NULL" for _ in names)
            cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE scan_check({nulls})")
            plan = cursor.fetchone()[0]
            cursor.execute("DEALLOCATE scan_check")
        plan = json.loads(plan) if isinstance(plan, str) else plan
        checked.append(key)
        for node in plan_nodes(plan[0]["Plan"]):
            if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in growing:
                problems.append(f"{key} ({statement.serves}): Seq Scan on {node['Relation Name']}")
    assert {"accounts.family_page", "wallet.transfer_facts", "claims.settlement_store"} <= set(
        checked
    )
    assert problems == [], "\n".join(problems)


def test_no_apps_sql_names_another_apps_table(registry):
    """An app's statements name only its own models; what they need of another
    app comes through a fragment that app owns (and whose models are its own).
    The people app owns the logins' side: it may read the auth user table."""
    user = get_user_model()

    def foreign(app: str, models) -> list[str]:
        return [
            m._meta.label
            for m in models
            if m._meta.app_label != app and not (app == "accounts" and m is user)
        ]

    problems = []
    for key, statement in registry.items():
        if found := foreign(statement.app, statement.models):
            problems.append(f"{key} names {found}")
        problems += [
            f"{key} embeds {f.app}.{f.name} naming {found}"
            for f in statement.fragments
            if (found := foreign(f.app, f.models))
        ]
    for key, fragment in core_sql.FRAGMENTS.items():
        if found := foreign(fragment.app, fragment.models):
            problems.append(f"fragment {key} names {found}")
    assert problems == [], "\n".join(problems)
    tables = {m._meta.db_table: m._meta.app_label for m in apps.get_models()}
    # And by text: a statement's own part names only its app's tables (fragments
    # are checked above; their tables are the owner's).
    for key, statement in registry.items():
        own = {m._meta.db_table for m in statement.models}
        assert own <= {t for t, a in tables.items() if a == statement.app} | {
            user._meta.db_table
        }, key


def test_enum_values_are_parameters_not_literals(registry):
    values = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            for value, _label in field.flatchoices or ():
                if isinstance(value, str) and value:
                    values.add(value)
    assert {"pending", "active", "approved", "settled", "wallet", "transfer_returned"} <= values
    texts = [(key, s.text) for key, s in registry.items()]
    texts += [(key, f.composed.as_string(None)) for key, f in core_sql.FRAGMENTS.items()]
    problems = [
        f"{key}: '{literal}'"
        for key, text in texts
        for literal in re.findall(r"'([^']*)'", text)
        if literal in values
    ]
    assert problems == [], "\n".join(problems)


def sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            posix = path.relative_to(ROOT).as_posix()
            if "/migrations/" in posix:
                continue
            yield posix, path.read_text(encoding="utf-8")


def is_sql_module(posix: str) -> bool:
    return "/sql/" in posix or posix.endswith("/sql.py") or posix in {"core/db.py"}


def test_no_sql_statement_outside_the_sql_modules():
    """Statements are executed only as registered texts (``X.text``); no string
    of SQL is handed to a cursor and no ``…SQL = "…"`` constant is kept outside
    an app's sql package."""
    literal = re.compile(r"\.(execute|copy)\(\s*(f?[\"']|[A-Z_]*SQL\b)")
    constant = re.compile(r"^\s*_?[A-Z_]*SQL[A-Z_]*\s*=\s*(f?[\"'(])", re.MULTILINE)
    problems = [
        posix
        for posix, text in sources()
        if not is_sql_module(posix) and (literal.search(text) or constant.search(text))
    ]
    assert problems == [], problems


def test_one_data_path_no_switch_no_vendor_branch_no_sqlite():
    banned = re.compile(r"set_based|PORTAL_SET_BASED_SQL|connection\.vendor|sqlite", re.I)
    files = [*sources()]
    for extra in ("portal/settings.py", "scripts/screenshots.py", "Makefile", "conftest.py"):
        files.append((extra, (ROOT / extra).read_text(encoding="utf-8")))
    files += [
        (p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8"))
        for folder in ("bench", "scripts", "tests")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "test_sql.py"
    ]
    problems = [posix for posix, text in files if banned.search(text)]
    assert problems == [], problems
