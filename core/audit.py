"""The audit trail (Zulip-style actions): who did what, for whom, when.

Every state change writes one row through ``audit_record`` (or, on a hot SQL
path that saves a round trip, writes the values ``audit_row`` gives in its own
statement). ``acting_user`` is an argument, never a global. Actions are the
``Action`` choices each app registers with core.actions: a misspelt action is
an error, not a new kind of row.
"""

from django.db import models

from core import actions


def audit_row(
    *,
    actor,
    action: str,
    person=None,
    target_label: str = "",
    details: dict | None = None,
) -> dict:
    """The field values of the audit row ``audit_record`` writes (labels
    included), for a service that writes the row in its own SQL statement (a hot
    path saving a round trip). ``target_label`` is "app.Model:pk"; ``person`` is
    an insured person (settings.AUDIT_PERSON_MODEL: its name and masked ID are
    recorded, never the full number, A1)."""
    action = actions.check(action)  # ValueError for an action nobody registered
    actor = actor if actor is not None and actor.is_authenticated else None
    return {
        "actor": actor,
        "person": person,
        "action": action,
        "target": target_label,
        "details": details or {},
        "actor_label": actor.get_username() if actor is not None else "",
        "person_label": f"{person.name} {person.masked_id}" if person is not None else "",
    }


def audit_record(
    *,
    actor,
    action: str,
    person=None,
    target: models.Model | None = None,
    details: dict | None = None,
):
    """Append one audit row: who (`actor`, a user or None for the system) did
    `action` for whom (`person`) on what (`target`), with `details`. Never put a
    full national ID in `details`: use the masked form."""
    from core.models import AuditEvent

    label = f"{target._meta.label}:{target.pk}" if target is not None else ""
    return AuditEvent.objects.create(
        **audit_row(actor=actor, action=action, person=person, target_label=label, details=details)
    )


def target_label(obj: models.Model, pk=None) -> str:
    """How an audit row names the object it is about: "app.Model:pk"."""
    return f"{obj._meta.label}:{obj.pk if pk is None else pk}"


def audit_insert(rows):
    """The audit insert other apps' statements embed (core.sql.fragment): an
    ``INSERT INTO`` the audit trail from `rows`, a SELECT giving (at, actor,
    person, action, target, details as jsonb, actor label, person label) as
    audit_row gives them."""
    from core.models import AuditEvent
    from core.sql import fragment

    return fragment(
        "core",
        "audit_insert",
        """INSERT INTO {e} ({e:at}, {e:actor}, {e:person}, {e:action}, {e:target}, {e:details},
                            {e:actor_label}, {e:person_label})
           {rows}""",
        e=AuditEvent,
        rows=rows,
    )
