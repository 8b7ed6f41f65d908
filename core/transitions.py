"""One way to change a status: lock the row, check the status may change, set
the fields, save them (``update_fields``), write the audit row — in one
transaction, so no status change can forget its lock or its audit row.

Each model with a status declares its ``flow``: which status may become which
(``Flow``). A service then changes a row with

    transition(binding, to=Status.ENDED, actor=user, action=Action.DEPENDENT_END,
               refuse=lambda b: Refusal("A3-08"))

``guard(obj)`` runs first, under the lock (who may do it: PermissionDenied);
then the flow is asked; a row whose status may not change is returned as it is
(an idempotent "already done") or, with ``refuse``, refused; ``check(obj)``
runs the rules and any writes that must happen before the change under the same
lock (a ledger movement, a relationship recorded); ``changes`` are the other
fields set with the status. Hand-written SQL paths that change many rows in one
statement (the morning sweep) use the same pieces: ``Flow.sources`` for their
WHERE clause and core.audit for their audit row.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models, transaction

from core.audit import audit_record
from core.flow import Flow

__all__ = ["Flow", "lock", "transition"]


def lock(target, pk=None, *, related: Iterable[str] = ()) -> models.Model:
    """The row (``target`` a model instance, or a model class and ``pk``) fetched
    again and locked FOR UPDATE until the caller's transaction ends, with
    ``related`` rows joined and locked too; no other row is locked.

    Only the named rows: ``select_related()`` with no names joins every
    non-null foreign key, and FOR UPDATE without ``OF`` then locked them all in
    join order — a transfer's sender and recipient, their region and province
    and its three ledger accounts — so an accept of A→B and one of B→A, or an
    accept and the morning sweep (accounts in pk order), waited for each other
    in a circle. The lock order of docs/ARCHITECTURE.md needs the business row
    alone here, the accounts after it in pk order."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a row is locked inside transaction.atomic()")
    model = target if isinstance(target, type) else type(target)
    pk = target.pk if pk is None else pk
    related = tuple(related)
    rows = model._default_manager.select_for_update(of=("self", *related))
    if related:
        rows = rows.select_related(*related)
    return rows.get(pk=pk)


def _value(value, obj):
    return value(obj) if callable(value) else value


def transition(
    instance: models.Model,
    *,
    to: str,
    actor,
    action: str,
    person: Any = None,
    changes: Mapping[str, Any] | Callable[[models.Model], Mapping[str, Any]] | None = None,
    details: Mapping[str, Any] | Callable[[models.Model], Mapping[str, Any]] | None = None,
    guard: Callable[[models.Model], None] | None = None,
    check: Callable[[models.Model], None] | None = None,
    refuse: Callable[[models.Model], Exception] | None = None,
    related: Iterable[str] = (),
    locked: bool = False,
) -> models.Model:
    """Move `instance` to status `to` (its model's ``flow`` decides whether it
    may) and return the row as saved.

    ``person`` (or a function of the row) is whom the audit row is about;
    ``locked=True`` only when the caller already holds this row's lock (it got
    it from ``lock`` in the same transaction). Inside the caller's transaction
    it opens no savepoint (two round trips less on a hot path such as a
    transfer's accept); alone, it is its own transaction."""
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return transition(
                instance,
                to=to,
                actor=actor,
                action=action,
                person=person,
                changes=changes,
                details=details,
                guard=guard,
                check=check,
                refuse=refuse,
                related=related,
                locked=locked,
            )
    obj = instance if locked else lock(instance, related=related)
    if guard is not None:
        guard(obj)
    flow: Flow = type(obj).flow
    if not flow.allows(getattr(obj, flow.field), to):
        if refuse is None:
            return obj  # already there (or past it): nothing to do
        raise refuse(obj)
    if check is not None:
        check(obj)
    values = {flow.field: to, **(_value(changes, obj) or {})}
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(values))
    audit_record(
        actor=actor,
        action=action,
        person=_value(person, obj),
        target=obj,
        details=dict(_value(details, obj) or {}),
    )
    return obj
