"""The audit trail (Zulip-style actions): who did what, for whom, when."""

from django.db import models

from accounts.models import AuditEvent, InsuredPerson


def audit_row(
    *,
    actor,
    action: str,
    person: InsuredPerson | None = None,
    target_label: str = "",
    details: dict | None = None,
) -> dict:
    """The field values of the audit row ``audit_record`` writes (labels
    included), for a service that writes the row in its own SQL statement (a hot
    path saving a round trip). ``target_label`` is "app.Model:pk"."""
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
    person: InsuredPerson | None = None,
    target: models.Model | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one audit row: who (`actor`, a user or None for the system) did
    `action` for whom (`person`) on what (`target`), with `details`. Never put a
    full national ID in `details`: use the masked form."""
    label = f"{target._meta.label}:{target.pk}" if target is not None else ""
    return AuditEvent.objects.create(
        **audit_row(actor=actor, action=action, person=person, target_label=label, details=details)
    )
