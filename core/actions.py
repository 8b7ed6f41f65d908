"""What the audit trail records, registered by the apps (core.audit): each app
declares its actions as a ``TextChoices`` named ``Action`` in its ``actions``
module (``accounts.actions.Action``, ``wallet.actions.Action`` …) and registers
it here, so the ground floor names no app's actions and no app reaches into
another's. An action nobody registered is refused (``check``): a misspelt
action is an error, not a new kind of row.

This module imports no model: core.models reads its choices from here, and
core.audit writes rows with them, without importing each other in a circle."""

from __future__ import annotations

import importlib

from django.db import models
from django.utils.translation import gettext_lazy as _

_ACTIONS: dict[str, object] = {}  # value -> label
_loaded = False


def register(choices: type[models.TextChoices]) -> type[models.TextChoices]:
    """Add an app's actions (a class decorator, or called at import)."""
    for value, label in choices.choices:
        known = _ACTIONS.get(value)
        if known is not None and str(known) != str(label):
            raise ValueError(f"audit action {value!r} registered twice with different labels")
        _ACTIONS[value] = label
    return choices


def _load() -> None:
    """Import every installed app's ``actions`` module (each registers itself)."""
    global _loaded
    if _loaded:
        return
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.actions")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.actions":
                raise
    _loaded = True


def choices() -> list[tuple[str, object]]:
    """Every registered action, for the audit row's field (a callable choice)."""
    _load()
    return sorted(_ACTIONS.items())


def check(action) -> str:
    """The action's value; ValueError for an action no app registered."""
    _load()
    value = getattr(action, "value", action)
    if value not in _ACTIONS:
        raise ValueError(f"{value!r} is not a registered audit action")
    return value


def label(value: str):
    _load()
    return _ACTIONS.get(value, value)


class Action(models.TextChoices):
    """The ground floor's own: any model changed in the admin (the target names
    the model and row)."""

    ADMIN_ADD = "admin.add", _("added in the admin")
    ADMIN_CHANGE = "admin.change", _("changed in the admin")
    ADMIN_DELETE = "admin.delete", _("deleted in the admin")
    CLOCK_SET = "clock.set", _("test clock set")
    CLOCK_RESET = "clock.reset", _("test clock reset")


register(Action)
