"""Reads for people (RULES.md A, F). Other apps use these instead of querying the
accounts models directly, so the access rules live in one place."""

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import (
    DependentBinding,
    DesignatedFacilityChoice,
    InsuredPerson,
    NonLocalRegistration,
    Relationship,
    RelationshipKind,
)

# How person_b reads the relationship when person_a is `kind` to them, and back.
INVERSE = {
    RelationshipKind.SPOUSE: "spouse",
    RelationshipKind.PARENT: "child",
    RelationshipKind.GRANDPARENT: "grandchild",
    RelationshipKind.SIBLING: "sibling",
}


def persons_for_user(*, user) -> QuerySet[InsuredPerson]:
    """The persons `user` may see and act for: their own record and their active
    dependents (A3). Anyone else is out of reach, whatever URL is typed."""
    if not user.is_authenticated:
        return InsuredPerson.objects.none()
    return InsuredPerson.objects.filter(
        Q(user=user) | Q(bindings__user=user, bindings__status=DependentBinding.Status.ACTIVE)
    ).distinct()


def person_for_user(*, user, person_id) -> InsuredPerson:
    """One person the user may act for, or 404 (never 403: don't confirm it exists)."""
    try:
        return persons_for_user(user=user).select_related("region__province").get(pk=person_id)
    except (InsuredPerson.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_person(*, user) -> InsuredPerson | None:
    """The insured person linked to this login, if any."""
    if not user.is_authenticated:
        return None
    return InsuredPerson.objects.select_related("region__province").filter(user=user).first()


def relation_of(*, person: InsuredPerson, other: InsuredPerson) -> str | None:
    """What `other` is to `person`: "spouse", "parent", "child", "grandparent",
    "grandchild", "sibling" — or None when they are not close relatives (A2)."""
    if person.pk == other.pk:
        return None
    rel = (
        Relationship.objects.filter(
            Q(person_a=person, person_b=other) | Q(person_a=other, person_b=person)
        )
        .only("person_a_id", "kind")
        .first()
    )
    if rel is None:
        return None
    if rel.person_a_id == other.pk:
        return rel.kind  # other is `kind` to person
    return INVERSE[rel.kind]


def is_close_relative(a: InsuredPerson, b: InsuredPerson) -> bool:
    """A2: spouse, parents, children, siblings, grandparents, grandchildren."""
    return relation_of(person=a, other=b) is not None


def designated_facility_on(
    *, person: InsuredPerson, day: datetime.date
) -> DesignatedFacilityChoice | None:
    """The designated outpatient facility choice in force on `day` (F2)."""
    return (
        DesignatedFacilityChoice.objects.select_related("facility")
        .filter(person=person, effective_from__lte=day)
        .order_by("-effective_from", "-pk")
        .first()
    )


def registration_on(*, person: InsuredPerson, day: datetime.date) -> NonLocalRegistration | None:
    """The active non-local registration covering `day` (F3), if any."""
    return (
        NonLocalRegistration.objects.select_related("destination__province")
        .filter(
            person=person,
            status=NonLocalRegistration.Status.ACTIVE,
            start_date__lte=day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("-start_date")
        .first()
    )


def family_members(*, user) -> list[InsuredPerson]:
    """The user's own record first, then their active dependents, with what the
    family page shows for each loaded in a constant number of queries."""
    persons = list(persons_for_user(user=user).select_related("region__province").order_by("pk"))
    persons.sort(key=lambda p: (p.user_id != user.pk, p.pk))
    return persons
