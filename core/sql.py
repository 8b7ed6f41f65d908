"""The registry of hand-written SQL statements (docs/ARCHITECTURE.md, "Where SQL
lives").

The ORM comes first. A statement is written by hand only where a measured hot
path needs it, and then it lives in its app's ``sql`` package, one module per
concern, registered here with ``statement()``:

- table and column names come from model metadata: a template names a table as
  ``{p}`` and a column as ``{p.field}`` (qualified by the alias ``p``) or
  ``{p:field}`` (bare, for INSERT and SET lists), ``{p.*}`` / ``{p:*}`` for all
  of a model's columns, where ``p=InsuredPerson`` is given to ``statement()``;
  each becomes a quoted ``psycopg.sql.Identifier``;
- enum values are parameters (``%(active)s``), never literals in the text
  (tests/core/test_sql.py looks for every choice value of every model);
- a statement touches only its own app's tables: what it needs of another app
  comes through a ``fragment()`` that app owns (core.audit's audit insert,
  accounts' inbox write, its person and region reads), embedded as ``{name}``;
- tests/core/test_sql.py prepares every registered statement against the
  migrated schema, and EXPLAINs the ones a family's page, a transfer or a
  settlement runs (``serves=``) with sequential scans switched off: a Seq Scan
  left in such a plan over a table that grows with the region (``GROWING`` of
  each app's sql package) means no index can serve it, and fails the test.

Parameters are psycopg's ``%(name)s``; a literal ``%`` is written ``%%``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from psycopg import sql as pg

# {alias}, {alias.field}, {alias:field}, {alias.*}, {alias:*} or {fragment}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:([.:])([a-z_][a-z0-9_]*|\*))?\}")


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL an app owns and lets other apps' statements embed."""

    app: str
    name: str
    composed: pg.Composed
    models: tuple = ()


@dataclass
class Statement:
    """One registered statement: its fixed text (prepared once per connection
    where it runs through core.db.prepared_cursor) and what the checks need."""

    app: str
    name: str
    text: str
    models: tuple
    fragments: tuple
    serves: str = ""  # "family page", "transfer", "settlement": the scan check
    params: dict = field(default_factory=dict)  # values where a NULL would not do

    def __str__(self) -> str:
        return self.text


REGISTRY: dict[str, Statement] = {}
FRAGMENTS: dict[str, Fragment] = {}


def _column(model, name: str) -> str:
    if name == "pk":
        return model._meta.pk.column
    return model._meta.get_field(name).column


def compose(template: str, **names) -> pg.Composed:
    """The template with its placeholders replaced: models by their table and
    column identifiers, fragments by their SQL."""
    parts: list[pg.Composable] = []
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        alias, how, name = match.groups()
        if alias not in names:
            continue  # not ours (say, a brace in a JSON literal): left as it is
        parts.append(pg.SQL(template[at : match.start()]))
        at = match.end()
        value = names[alias]
        if isinstance(value, Fragment):
            if how:
                raise ValueError(f"fragment {alias} takes no field: {match.group()}")
            parts.append(value.composed)
            continue
        if isinstance(value, pg.Composable):
            parts.append(value)
            continue
        if not how:
            parts.append(pg.Identifier(value._meta.db_table))
            continue
        if name == "*":
            columns = [f.column for f in value._meta.concrete_fields]
        else:
            columns = [_column(value, name)]
        identifiers = [
            pg.Identifier(alias, column) if how == "." else pg.Identifier(column)
            for column in columns
        ]
        parts.append(pg.SQL(", ").join(identifiers))
    parts.append(pg.SQL(template[at:]))
    return pg.Composed(parts)


def _split(names: dict) -> tuple[tuple, tuple]:
    models = tuple(v for v in names.values() if hasattr(v, "_meta"))
    fragments = tuple(v for v in names.values() if isinstance(v, Fragment))
    return models, fragments


def fragment(app: str, name: str, template: str, **names) -> Fragment:
    """Register a fragment of `app`'s SQL that other apps' statements may embed."""
    models, _fragments = _split(names)
    found = Fragment(app, name, compose(template, **names), models)
    FRAGMENTS[f"{app}.{name}"] = found
    return found


def statement(
    app: str, name: str, template: str, *, serves: str = "", params=None, **names
) -> Statement:
    """Register `app`'s statement `name` and return it (``str()`` is its text)."""
    key = f"{app}.{name}"
    if key in REGISTRY:
        raise ValueError(f"statement {key} registered twice")
    models, fragments = _split(names)
    text = compose(template, **names).as_string(None)
    found = Statement(app, name, text, models, fragments, serves, dict(params or {}))
    REGISTRY[key] = found
    return found


def col(alias: str, model, name: str) -> pg.Identifier:
    """A column of `model` under `alias`, for handing to another app's fragment."""
    return pg.Identifier(alias, _column(model, name))


def named_columns(alias: str, model, names: list[str], prefix: str = "") -> pg.Composed:
    """``alias."column" AS <prefix><attname>`` for each of `names`: a fragment's
    output columns under names its caller can read."""
    return pg.SQL(", ").join(
        pg.SQL("{} AS {}").format(
            pg.Identifier(alias, _column(model, name)), pg.Identifier(prefix + name)
        )
        for name in names
    )


def columns(model) -> list[str]:
    """A model's attnames in the order ``{alias.*}`` lists its columns (from_db)."""
    return [f.attname for f in model._meta.concrete_fields]


def in_model_order(model, names: list[str]) -> list[str]:
    """``names`` (attnames) sorted as the model orders its fields: Model.from_db
    takes a subset of the fields in that order."""
    order = columns(model)
    unknown = set(names) - set(order)
    if unknown:
        raise ValueError(f"{model.__name__} has no {sorted(unknown)}")
    return sorted(names, key=order.index)


def listed(alias: str, names: list[str]) -> str:
    """A template piece naming some columns (attnames) under `alias`."""
    return ", ".join(f"{{{alias}.{name}}}" for name in names)


def load_all() -> None:
    """Import every app's sql module or package (each of its modules), so the
    registry is complete."""
    import importlib
    import pkgutil

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            package = importlib.import_module(f"{config.name}.sql")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.sql":
                raise
            continue
        for found in pkgutil.iter_modules(getattr(package, "__path__", [])):
            importlib.import_module(f"{package.__name__}.{found.name}")
