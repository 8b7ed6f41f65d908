"""Close relatives (A2): one row per pair, read both ways by selectors.relation_of."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.actions import Action
from accounts.models import InsuredPerson, Relationship, RelationshipKind
from core.audit import audit_record


@transaction.atomic
def relationship_create(
    *, actor, person_a: InsuredPerson, person_b: InsuredPerson, kind: str
) -> Relationship:
    """Record that `person_a` is `kind` to `person_b` (A2), once per pair.

    Refuses a person as their own relative, a second (contradictory) relationship
    for the same pair, and parents or grandparents younger than the child.
    Recording the same relationship again returns the existing row.
    """
    if person_a.pk == person_b.pk:
        raise ValidationError(_("A person cannot be their own relative."), code="self")
    existing = Relationship.objects.filter(
        Q(person_a=person_a, person_b=person_b) | Q(person_a=person_b, person_b=person_a)
    ).first()
    if existing is not None:
        same = (existing.person_a_id == person_a.pk and existing.kind == kind) or (
            kind in (RelationshipKind.SPOUSE, RelationshipKind.SIBLING) and existing.kind == kind
        )
        if same:
            return existing
        raise ValidationError(
            _("These two people already have a different relationship on record."),
            code="contradiction",
        )
    older_first = kind in (RelationshipKind.PARENT, RelationshipKind.GRANDPARENT)
    if older_first and person_a.birth_date >= person_b.birth_date:
        raise ValidationError(
            _("A parent or grandparent must be older than their child or grandchild."),
            code="age_order",
        )
    try:
        with transaction.atomic():
            rel = Relationship.objects.create(person_a=person_a, person_b=person_b, kind=kind)
    except IntegrityError:
        # Another request recorded this pair first: same rule, same message.
        raise ValidationError(
            _("These two people already have a different relationship on record."),
            code="contradiction",
        ) from None
    audit_record(
        actor=actor,
        action=Action.RELATIONSHIP_CREATE,
        person=person_a,
        target=rel,
        details={"kind": kind, "other": person_b.masked_id},
    )
    return rel


@transaction.atomic
def relationship_delete(*, actor, relationship: Relationship) -> None:
    """Remove a recorded relationship (an administrator correcting the records)."""
    audit_record(
        actor=actor,
        action=Action.RELATIONSHIP_DELETE,
        person=relationship.person_a,
        target=relationship,
        details={"kind": relationship.kind, "other": relationship.person_b.masked_id},
    )
    relationship.delete()
