"""Reads for people (RULES.md A, F). Other apps use these instead of querying the
accounts models directly, so the access rules live in one place."""

import datetime
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from accounts import authorization
from accounts.models import (
    DependentBinding,
    DesignatedFacilityChoice,
    Facility,
    InboxMessage,
    InsuredPerson,
    NonLocalRegistration,
    Region,
    Relationship,
    RelationshipKind,
)
from accounts.sql import family as family_sql
from accounts.usernames import phone_in
from core import clock
from core.reads import Read

# A login's own record remembered as read (the page's frame asks for it).
remember_own_person = family_sql.remember_own_person

# How person_b reads the relationship when person_a is `kind` to them, and back.
INVERSE = {
    RelationshipKind.SPOUSE: "spouse",
    RelationshipKind.PARENT: "child",
    RelationshipKind.GRANDPARENT: "grandchild",
    RelationshipKind.SIBLING: "sibling",
}


def persons_for_user(*, user, action: str = "") -> QuerySet[InsuredPerson]:
    """The persons `user` may see and act for: their own record and their active
    dependents (A3). Anyone else is out of reach, whatever URL is typed. With
    an `action` (accounts.authorization), only those the matrix lets the user
    do it for: their own record alone when a delegate may not (A7, A8)."""
    if not user.is_authenticated:
        return InsuredPerson.objects.none()
    if action and not authorization.delegate_may(action):
        return InsuredPerson.objects.filter(user=user)
    # A UNION of the two indexed reads: "own record OR a bound one" over a join
    # read every insured person of the region (the bills list: 143 ms of 168 at
    # 200,000 persons, bench/scale.py); the UNION reads a handful of index rows.
    own = InsuredPerson.objects.filter(user=user).order_by().values("pk")
    bound = (
        DependentBinding.objects.filter(user=user, status=DependentBinding.Status.ACTIVE)
        .order_by()
        .values("person_id")
    )
    return InsuredPerson.objects.filter(pk__in=own.union(bound, all=True))


def person_for_user(*, user, person_id, action: str = "") -> InsuredPerson:
    """One person the user may act for, or 404 (never 403: don't confirm it exists)."""
    try:
        persons = persons_for_user(user=user, action=action)
        return persons.select_related("region__province").get(pk=person_id)
    except (InsuredPerson.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def frame_facts(*, user_id: int) -> tuple[str | None, int, bool]:
    """What every signed-in page's frame shows: the login's insured person's
    name (None: not linked), unread messages and elder mode. One prepared
    statement (accounts/sql/family.py): every page pays it, so it is kept as
    cheap as the session read beside it (bench/pages.py)."""
    return family_sql.frame_facts(user_id=user_id)


def frame_facts_read(*, user_id: int) -> Read:
    """frame_facts as a read (core.reads.read_together)."""
    return family_sql.frame_facts_read(user_id=user_id)


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
    return relation_read(other_id=other.pk, person_a_id=rel.person_a_id, kind=rel.kind)


def relation_read(*, other_id: int, person_a_id: int, kind: str) -> str:
    """What `other` is to the other person of a stored relationship row (A2): the
    row says person_a is `kind` to person_b."""
    if person_a_id == other_id:
        return kind  # other is `kind` to person
    return INVERSE[kind]


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
        # The latest start wins; two starting the same day: the later filed.
        .order_by("-start_date", "-pk")
        .first()
    )


def family_members(*, user) -> list[InsuredPerson]:
    """The user's own record first, then their active dependents, with what the
    family page shows for each loaded in a constant number of queries however
    many dependents (family_page's one statement): each person gets `binding`
    (None for the user themself), `facility_current`, `facility_upcoming` and
    `current_registrations`."""
    return family_page(user=user).members


def family_member(*, user, person_id) -> InsuredPerson:
    """One member as family_members() shows them, or 404."""
    members = _family(user=user, persons=persons_for_user(user=user).filter(pk=person_id))
    if not members:
        raise Http404
    return members[0]


@dataclass
class FamilyPage:
    """What the family page shows from this app (see family_page)."""

    members: list[InsuredPerson]
    own: InsuredPerson | None
    pending: list[DependentBinding]
    requests_for_me: list[DependentBinding]
    looked_after_by: list[DependentBinding]


def family_page(*, user) -> FamilyPage:
    """The family page's people in one query however many dependents: the
    members as family_members() gives them, and the lists of pending_requests(),
    requests_for_relative() and bindings_of_own_record() — every binding the
    user made or that names the user's own record, read once and sorted here."""
    if not user.is_authenticated:
        return FamilyPage([], None, [], [], [])
    return family_page_read(user=user).run()


def family_page_read(*, user) -> Read:
    """family_page as a read (core.reads.read_together: the home page reads it with
    the frame's facts in one round trip). For a signed-in user."""
    today = clock.localdate()

    def then(persons, choices, registrations, bindings) -> FamilyPage:
        return _family_page(user, today, persons, choices, registrations, bindings)

    # One statement (accounts/sql/family.py).
    return family_sql.family_rows_read(user=user, today=today, then=then)


def _family_page(user, today, persons, choices, registrations, bindings) -> FamilyPage:
    for person in persons:
        person.facility_history = choices.get(person.pk, [])
        person.current_registrations = registrations.get(person.pk, [])
    active = DependentBinding.Status.ACTIVE
    mine = [b for b in bindings if b.user_id == user.pk]
    about_me = [b for b in bindings if b.person is not None and b.person.user_id == user.pk]
    active_bindings = {b.person_id: b for b in reversed(mine) if b.status == active}
    for person in persons:
        found = active_bindings.get(person.pk)
        person.my_bindings = [found] if found is not None else []
    members = _dress(user=user, persons=persons, today=today)
    own = next((m for m in members if m.user_id == user.pk), None)
    waiting = (DependentBinding.Status.PENDING_CODE, DependentBinding.Status.PENDING_REVIEW)
    return FamilyPage(
        members=members,
        own=own,
        pending=[b for b in mine if b.status in waiting],
        requests_for_me=[b for b in about_me if b.status == DependentBinding.Status.PENDING_CODE]
        if own
        else [],
        looked_after_by=[b for b in about_me if b.status == active] if own else [],
    )


def _family(*, user, persons: QuerySet[InsuredPerson]) -> list[InsuredPerson]:
    """Persons as family_members() shows them, read through the ORM (one member's
    page)."""
    if not user.is_authenticated:
        return []
    today = clock.localdate()
    lookups = [
        Prefetch(
            "facility_choices",
            queryset=DesignatedFacilityChoice.objects.select_related("facility").order_by(
                "-effective_from", "-pk"
            ),
            to_attr="facility_history",
        ),
        Prefetch(
            "registrations",
            queryset=NonLocalRegistration.objects.filter(status=NonLocalRegistration.Status.ACTIVE)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("destination__province")
            .order_by("start_date", "pk"),
            to_attr="current_registrations",
        ),
        Prefetch(
            "bindings",
            queryset=DependentBinding.objects.filter(
                user=user, status=DependentBinding.Status.ACTIVE
            ),
            to_attr="my_bindings",
        ),
    ]
    persons = list(
        persons.select_related("region__province").prefetch_related(*lookups).order_by("pk")
    )
    return _dress(user=user, persons=persons, today=today)


def _dress(*, user, persons: list[InsuredPerson], today) -> list[InsuredPerson]:
    """What the family page shows for each person, from what was read: their
    binding (None for the user themself), facility in force and upcoming; the
    user's own record first."""
    for person in persons:
        person.binding = None if person.user_id == user.pk else next(iter(person.my_bindings), None)
        person.facility_current, person.facility_upcoming = current_and_upcoming(
            person.facility_history, today
        )
    persons.sort(key=lambda p: (p.user_id != user.pk, p.pk))
    return persons


def current_and_upcoming(history, today):
    """From choices newest first: the one in force today and a later one, if any."""
    current = next((c for c in history if c.effective_from <= today), None)
    upcoming = next((c for c in history if c.effective_from > today), None)
    if upcoming is not None and current is not None and upcoming.facility_id == current.facility_id:
        upcoming = None
    return current, upcoming


def pending_requests(*, user) -> list[DependentBinding]:
    """The user's requests still waiting for a code or a review (A3)."""
    return list(
        DependentBinding.objects.filter(
            user=user,
            status__in=[
                DependentBinding.Status.PENDING_CODE,
                DependentBinding.Status.PENDING_REVIEW,
            ],
        )
        .select_related("person")
        .order_by("created_at", "pk")
    )


def requests_for_relative(*, user) -> list[DependentBinding]:
    """Requests by other users to add this user's own record, which they may
    confirm or decline from their login (A3 consent)."""
    if not user.is_authenticated:
        return []
    return list(
        DependentBinding.objects.filter(
            person__user=user, status=DependentBinding.Status.PENDING_CODE
        )
        .select_related("user__insured_person")
        .order_by("created_at", "pk")
    )


def binding_for_user(*, user, binding_id) -> DependentBinding:
    """A binding the user asked for (any status), or 404."""
    try:
        return DependentBinding.objects.select_related("person").get(pk=binding_id, user=user)
    except (DependentBinding.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def binding_for_relative(*, user, binding_id) -> DependentBinding:
    """A binding of the user's own record made by someone else, or 404."""
    try:
        return DependentBinding.objects.select_related("person", "user__insured_person").get(
            pk=binding_id, person__user=user
        )
    except (DependentBinding.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def bindings_of_own_record(*, user) -> list[DependentBinding]:
    """Who looks after this user's own record (active bindings by other users)."""
    return list(
        DependentBinding.objects.filter(
            person__user=user, status=DependentBinding.Status.ACTIVE
        ).select_related("user__insured_person")
    )


def registration_for_user(*, user, registration_id) -> NonLocalRegistration:
    """A registration of someone the user may act for, or 404."""
    try:
        return NonLocalRegistration.objects.select_related(
            "person__region__province", "destination__province"
        ).get(pk=registration_id, person__in=persons_for_user(user=user))
    except (NonLocalRegistration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def designated_facilities(*, person: InsuredPerson) -> QuerySet[Facility]:
    """The facilities `person` may choose as designated outpatient facility (F2)."""
    return Facility.objects.filter(region_id=person.region_id, designated_outpatient=True).order_by(
        "kind", "tier", "name"
    )


def facility_history(*, person: InsuredPerson) -> list[DesignatedFacilityChoice]:
    return list(
        DesignatedFacilityChoice.objects.filter(person=person)
        .select_related("facility", "chosen_by")
        .order_by("-effective_from", "-pk")
    )


def registrations_of(*, person: InsuredPerson) -> list[NonLocalRegistration]:
    return list(
        NonLocalRegistration.objects.filter(person=person)
        .select_related("destination__province")
        .order_by("-start_date", "-pk")
    )


def regions_for_choice() -> QuerySet[Region]:
    return Region.objects.select_related("province").order_by("code")


def inbox_for(*, user):
    """The login's messages, newest first (the message centre)."""

    return InboxMessage.objects.filter(user=user).order_by("-created_at", "-pk")


def reset_login(*, challenge_id) -> object | None:
    """The login a password-reset code was sent for (its form checks the new
    password against it), or None."""
    from accounts.models import CodeChallenge

    challenge = CodeChallenge.objects.filter(pk=challenge_id).select_related("user").first()
    return challenge.user if challenge is not None else None


@dataclass(frozen=True)
class PhoneShapedUsername:
    user_id: int
    username: str
    phone: str  # the number it reads as
    taken_by_other: bool  # a record of another login holds that number


def phone_shaped_usernames() -> list[PhoneShapedUsername]:
    """Logins whose username reads as a mobile number (A4), oldest first."""
    found = []
    users = get_user_model().objects.filter(username__regex=r"[0-9０-９]").order_by("pk")
    for user in users.only("pk", "username").iterator():
        phone = phone_in(user.username)
        if not phone:
            continue
        other = (
            InsuredPerson.objects.filter(phone=phone, user__isnull=False)
            .exclude(user_id=user.pk)
            .exists()
        )
        found.append(PhoneShapedUsername(user.pk, user.username, phone, other))
    return found


# Login lockouts (django-axes counts by the real clock) ---------------------------------


def login_is_locked(*, username: str) -> bool:
    """Whether this login has reached the wrong-password limit within the lockout time
    (django-axes counts by the real clock)."""
    since = clock.real_now() - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )
    return failures >= settings.AXES_FAILURE_LIMIT


def locked_logins() -> list[str]:
    """Logins locked now, most recent first (the to-do list and its count). Names
    typed that are nobody's login are left out: there is no one to let back in."""
    from django.contrib.auth import get_user_model

    since = clock.real_now() - settings.AXES_COOLOFF_TIME
    logins = get_user_model().objects.values(get_user_model().USERNAME_FIELD)
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since, username__in=logins)
        .values("username")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [row["username"] for row in rows]


def phones_to_call(*, family: FamilyPage) -> list[tuple[str, str]]:
    """Whom elder mode's "call my family" button may ring: the people who look
    after this login's own record (their own insured record's phone) and the
    relatives on its family page, each (name, phone) once, where a phone is on
    record. One query."""
    helpers = [b.user_id for b in family.looked_after_by]
    people = [m for m in family.members if family.own is None or m.pk != family.own.pk]
    if helpers:
        people += list(InsuredPerson.objects.filter(user_id__in=helpers).only("name", "phone"))
    found: dict[str, str] = {}
    for person in people:
        if person.phone and person.phone not in found:
            found[person.phone] = person.name
    return [(name, phone) for phone, name in found.items()]
