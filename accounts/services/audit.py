"""The audit trail (Zulip-style actions): who did what, for whom, when."""

from django.db import models

from accounts.models import AuditEvent, InsuredPerson


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
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        person=person,
        action=action,
        target=label,
        details=details or {},
        actor_label=actor.get_username() if actor is not None else "",
        person_label=f"{person.name} {person.masked_id}" if person is not None else "",
    )
