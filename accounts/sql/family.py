"""The family page's people in one round trip: the persons a user may see with
their regions, their designated-facility choices, their current non-local
registrations and every dependent binding the user made or that names the user's
own record (selectors.family_page sorts them); and the frame's facts every
signed-in page shows.

The page is read on every visit to the portal's home; building four querysets
cost more than running them (the ORM compiles each), and every round trip
shows next to a page without data (bench/pages.py). The rows come back as JSON
(one array per kind) and become model instances with every column loaded, so
templates read them as they read the ORM's.
"""

import datetime
import json

from django.contrib.auth import get_user_model
from django.db import connection, models

from accounts.models import (
    DependentBinding,
    DesignatedFacilityChoice,
    Facility,
    InboxMessage,
    InsuredPerson,
    LoginPreference,
    NonLocalRegistration,
    Province,
    Region,
)
from core.reads import Read
from core.sql import statement


def _columns(model, alias: str, names=None) -> tuple[list[str], list[str], list]:
    """Template names of the columns (attnames, in the model's order), and a
    converter per column for the JSON text PostgreSQL gives dates and
    timestamps as."""
    fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
    converters = []
    for field in fields:
        if isinstance(field, models.DateTimeField):
            converters.append(_datetime)
        elif isinstance(field, models.DateField):
            converters.append(_date)
        else:
            converters.append(None)
    return [f"{{{alias}.{f.attname}}}" for f in fields], [f.attname for f in fields], converters


def _date(value):
    return None if value is None else datetime.date.fromisoformat(value)


def _datetime(value):
    return None if value is None else datetime.datetime.fromisoformat(value)


class _Shape:
    """How one model's columns sit in a JSON row, and how to turn them back."""

    def __init__(self, model, alias: str, names=None) -> None:
        self.model = model
        self.alias = alias
        self.sql, self.attnames, self.converters = _columns(model, alias, names)

    def __len__(self) -> int:
        return len(self.attnames)

    def build(self, values, db):
        values = [
            value if convert is None else convert(value)
            for value, convert in zip(values, self.converters, strict=True)
        ]
        return self.model.from_db(db, self.attnames, values)


User = get_user_model()
PERSON = _Shape(InsuredPerson, "p")
REGION = _Shape(Region, "r")
PROVINCE = _Shape(Province, "v")
CHOICE = _Shape(DesignatedFacilityChoice, "c")
FACILITY = _Shape(Facility, "f")
REGISTRATION = _Shape(NonLocalRegistration, "g")
DESTINATION = _Shape(Region, "gr")
DESTINATION_PROVINCE = _Shape(Province, "gv")
BINDING = _Shape(DependentBinding, "b")
BOUND_PERSON = _Shape(InsuredPerson, "bp")
BINDING_USER = _Shape(User, "u", names={"id", User.USERNAME_FIELD})
USER_PERSON = _Shape(InsuredPerson, "ip", names={"id", "name", "user_id"})


# Whose people: the login's own record and the persons of its active bindings,
# each read by its own index (a UNION: "user_id = $1 OR id IN (…)" read every
# insured person). The bindings shown: those the user made and those naming the
# user's own record (an OR of two indexed keys: a bitmap of both indexes), with
# their person when they have one (a blind request has none, A6).
_SQL_TEMPLATE = """
WITH own AS (
    SELECT {own.id} AS id FROM {own} own WHERE {own.user} = %(user)s
), persons AS (
    SELECT id FROM own
    UNION
    SELECT {mb.person} FROM {mb} mb WHERE {mb.user} = %(user)s AND {mb.status} = %(active)s
)
SELECT
    (SELECT json_agg({persons} ORDER BY {p.id})
       FROM {p} p
       JOIN {r} r ON {r.id} = {p.region}
       JOIN {v} v ON {v.id} = {r.province}
      WHERE {p.id} IN (SELECT id FROM persons)),
    (SELECT json_agg({choices} ORDER BY {c.effective_from} DESC, {c.id} DESC)
       FROM {c} c
       JOIN {f} f ON {f.id} = {c.facility}
      WHERE {c.person} IN (SELECT id FROM persons)),
    (SELECT json_agg({registrations} ORDER BY {g.start_date}, {g.id})
       FROM {g} g
       JOIN {gr} gr ON {gr.id} = {g.destination}
       JOIN {gv} gv ON {gv.id} = {gr.province}
      WHERE {g.person} IN (SELECT id FROM persons) AND {g.status} = %(registration_active)s
        AND ({g.end_date} IS NULL OR {g.end_date} >= %(today)s)),
    (SELECT json_agg({bindings} ORDER BY {b.created_at}, {b.id})
       FROM {b} b
       LEFT JOIN {bp} bp ON {bp.id} = {b.person}
       JOIN {u} u ON {u.id} = {b.user}
       LEFT JOIN {ip} ip ON {ip.user} = {u.id}
      WHERE {b.user} = %(user)s OR {b.person} = (SELECT id FROM own))
"""


def _row(*shapes) -> str:
    return "json_build_array(" + ", ".join(c for s in shapes for c in s.sql) + ")"


# One fixed text (the column lists are the models'), prepared once per connection.
# Accounts owns the logins' side of people: the auth user table is read here.
FAMILY = statement(
    "accounts",
    "family_page",
    _SQL_TEMPLATE.replace("{persons}", _row(PERSON, REGION, PROVINCE))
    .replace("{choices}", _row(CHOICE, FACILITY))
    .replace("{registrations}", _row(REGISTRATION, DESTINATION, DESTINATION_PROVINCE))
    .replace("{bindings}", _row(BINDING, BOUND_PERSON, BINDING_USER, USER_PERSON)),
    serves="family page",
    own=InsuredPerson,
    mb=DependentBinding,
    p=InsuredPerson,
    r=Region,
    v=Province,
    c=DesignatedFacilityChoice,
    f=Facility,
    g=NonLocalRegistration,
    gr=Region,
    gv=Province,
    b=DependentBinding,
    bp=InsuredPerson,
    u=User,
    ip=InsuredPerson,
)

# The frame's facts in one statement (fixed text: prepared once per connection).
FRAME_FACTS = statement(
    "accounts",
    "frame_facts",
    """
    SELECT (SELECT {p.name} FROM {p} p WHERE {p.user} = %(u)s),
           (SELECT COUNT(*) FROM {m} m WHERE {m.user} = %(u)s AND {m.read_at} IS NULL),
           (SELECT {e.elder_mode} FROM {e} e WHERE {e.user} = %(u)s)
    """,
    serves="family page",
    p=InsuredPerson,
    m=InboxMessage,
    e=LoginPreference,
)


def frame_facts_read(*, user_id: int) -> Read:
    """(name of the login's insured person or None, unread messages, elder mode)."""

    def build(rows) -> tuple[str | None, int, bool]:
        name, unread, elder = rows[0]
        return name, unread, bool(elder)

    return Read.one(FRAME_FACTS.text, {"u": user_id}, build)


def frame_facts(*, user_id: int) -> tuple[str | None, int, bool]:
    """(name of the login's insured person or None, unread messages, elder mode)."""
    return frame_facts_read(user_id=user_id).run()


def remember_own_person(*, user, person: InsuredPerson | None) -> None:
    """Set `user.insured_person` (a login's own record, None for a login
    without one) as read, so that reading it queries no more. Assigning None
    through the attribute would clear the cache instead of remembering None."""
    if person is None:
        # (user.__class__: request.user is a lazy wrapper around the User.)
        user.__class__.insured_person.related.set_cached_value(user, None)
    else:
        user.insured_person = person


def _split(row, *shapes):
    at = 0
    for shape in shapes:
        yield row[at : at + len(shape)]
        at += len(shape)


def family_rows_read(*, user, today: datetime.date, then=None) -> Read:
    """(persons, choices by person id, registrations by person id, bindings):
    persons with region and province, choices newest first with their facility,
    registrations in force on `today` or later with their destination, every
    binding the user made or that names the user's record (oldest first) with
    its person and its user's own record. `then(*those four)` makes the read's
    result of them, if given."""
    params = {
        "user": user.pk,
        "today": today,
        "active": DependentBinding.Status.ACTIVE.value,
        "registration_active": NonLocalRegistration.Status.ACTIVE.value,
    }

    def build(rows):
        found = _family_build(rows[0])
        return found if then is None else then(*found)

    return Read.one(FAMILY.text, params, build)


def family_rows(*, user, today: datetime.date):
    """family_rows_read's four, read alone."""
    return family_rows_read(user=user, today=today).run()


def _family_build(raw):
    # psycopg returns json as text with server-side binding unless told otherwise.
    persons_json, choices_json, registrations_json, bindings_json = (
        json.loads(value) if isinstance(value, str) else (value or []) for value in raw
    )
    db = connection.alias
    regions: dict[int, Region] = {}

    def region(values, province_values) -> Region:
        found = regions.get(values[0])
        if found is None:
            found = REGION.build(values, db)
            found.province = PROVINCE.build(province_values, db)
            regions[found.pk] = found
        return found

    persons = []
    for row in persons_json:
        person_values, region_values, province_values = _split(row, PERSON, REGION, PROVINCE)
        person = PERSON.build(person_values, db)
        person.region = region(region_values, province_values)
        persons.append(person)
    choices: dict[int, list] = {}
    for row in choices_json:
        choice_values, facility_values = _split(row, CHOICE, FACILITY)
        choice = CHOICE.build(choice_values, db)
        choice.facility = FACILITY.build(facility_values, db)
        choices.setdefault(choice.person_id, []).append(choice)
    registrations: dict[int, list] = {}
    for row in registrations_json:
        values, destination_values, province_values = _split(
            row, REGISTRATION, DESTINATION, DESTINATION_PROVINCE
        )
        registration = REGISTRATION.build(values, db)
        registration.destination = region(destination_values, province_values)
        registrations.setdefault(registration.person_id, []).append(registration)
    bindings = []
    for row in bindings_json:
        values, person_values, user_values, own_values = _split(
            row, BINDING, BOUND_PERSON, BINDING_USER, USER_PERSON
        )
        binding = BINDING.build(values, db)
        # A blind request (no record matched, A6) has no person.
        binding.person = BOUND_PERSON.build(person_values, db) if binding.person_id else None
        binding.user = BINDING_USER.build(user_values, db)
        remember_own_person(
            user=binding.user,
            person=USER_PERSON.build(own_values, db) if own_values[0] is not None else None,
        )
        bindings.append(binding)
    return persons, choices, registrations, bindings
