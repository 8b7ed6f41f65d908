"""What other apps' statements may read of people, as fragments this app owns
(core.sql.fragment): a wallet's or a bill's statement embeds them instead of
naming the people tables, so the import-linter floors still describe every
dependency. Each takes the outer expression it is keyed by (``core.sql.col``);
aliases inside start with ``acc_`` so they never meet the outer statement's."""

from psycopg import sql as pg

from accounts.models import (
    DesignatedFacilityChoice,
    Facility,
    InsuredPerson,
    NonLocalRegistration,
    Province,
    Region,
    Relationship,
)
from core.sql import Fragment, fragment, named_columns


def region_wallet_live(region: pg.Composable) -> Fragment:
    """Whether the wallet is live in the region's province (W1)."""
    return fragment(
        "accounts",
        "region_wallet_live",
        """(SELECT {acc_v.wallet_live} FROM {acc_r} acc_r
              JOIN {acc_v} acc_v ON {acc_v.id} = {acc_r.province}
             WHERE {acc_r.id} = {key})""",
        acc_r=Region,
        acc_v=Province,
        key=region,
    )


def region_province(region: pg.Composable) -> Fragment:
    """The region's province id."""
    return fragment(
        "accounts",
        "region_province",
        "(SELECT {acc_r.province} FROM {acc_r} acc_r WHERE {acc_r.id} = {key})",
        acc_r=Region,
        key=region,
    )


def related(a: pg.Composable, b: pg.Composable) -> Fragment:
    """Whether two persons are close relatives on record (A2), either way."""
    return fragment(
        "accounts",
        "related",
        """EXISTS (SELECT 1 FROM {acc_rel} acc_rel
                 WHERE ({acc_rel.person_a} = {a} AND {acc_rel.person_b} = {b})
                    OR ({acc_rel.person_a} = {b} AND {acc_rel.person_b} = {a}))""",
        acc_rel=Relationship,
        a=a,
        b=b,
    )


def relationship_of(a: pg.Composable, b: pg.Composable) -> Fragment:
    """A LATERAL row (person_a_id, kind) of the relationship between two persons
    (A2), no row when there is none."""
    return fragment(
        "accounts",
        "relationship_of",
        """LATERAL (SELECT {acc_rel.person_a} AS person_a_id, {acc_rel.kind} AS kind
                  FROM {acc_rel} acc_rel
                 WHERE ({acc_rel.person_a} = {a} AND {acc_rel.person_b} = {b})
                    OR ({acc_rel.person_a} = {b} AND {acc_rel.person_b} = {a})
                 ORDER BY {acc_rel.id} LIMIT 1)""",
        acc_rel=Relationship,
        a=a,
        b=b,
    )


def person_name(person: pg.Composable) -> Fragment:
    """The person's name."""
    return fragment(
        "accounts",
        "person_name",
        "(SELECT {acc_p.name} FROM {acc_p} acc_p WHERE {acc_p.id} = {key})",
        acc_p=InsuredPerson,
        key=person,
    )


def person_label(person: pg.Composable) -> Fragment:
    """How the audit trail names a person: name and masked ID number, never the
    full number (A1; InsuredPerson.masked_id)."""
    return fragment(
        "accounts",
        "person_label",
        """(SELECT {acc_p.name} || ' ' || left({acc_p.national_id}, 4)
                   || repeat('*', length({acc_p.national_id}) - 8)
                   || right({acc_p.national_id}, 4)
              FROM {acc_p} acc_p WHERE {acc_p.id} = {key})""",
        acc_p=InsuredPerson,
        key=person,
    )


def person_status(person: pg.Composable) -> Fragment:
    """The person's status (PersonStatus)."""
    return fragment(
        "accounts",
        "person_status",
        "(SELECT {acc_p.status} FROM {acc_p} acc_p WHERE {acc_p.id} = {key})",
        acc_p=InsuredPerson,
        key=person,
    )


def person_with_province(person: pg.Composable, fields: list[str], flags: list[str]) -> Fragment:
    """A LATERAL row of the person's `fields` (attnames, under their own names)
    and their home province's `flags` (named province_<flag>, province_id first)."""
    return fragment(
        "accounts",
        "person_with_province",
        """LATERAL (SELECT {person_columns}, {acc_v.id} AS province_id, {flag_columns}
                  FROM {acc_p} acc_p
                  JOIN {acc_r} acc_r ON {acc_r.id} = {acc_p.region}
                  JOIN {acc_v} acc_v ON {acc_v.id} = {acc_r.province}
                 WHERE {acc_p.id} = {key})""",
        acc_p=InsuredPerson,
        acc_r=Region,
        acc_v=Province,
        key=person,
        person_columns=named_columns("acc_p", InsuredPerson, fields),
        flag_columns=named_columns("acc_v", Province, flags, prefix="province_"),
    )


def facility_with_province(facility: pg.Composable, fields: list[str]) -> Fragment:
    """A LATERAL row of the facility's `fields` and its region's province_id."""
    return fragment(
        "accounts",
        "facility_with_province",
        """LATERAL (SELECT {facility_columns}, {acc_r.province} AS province_id
                  FROM {acc_f} acc_f
                  JOIN {acc_r} acc_r ON {acc_r.id} = {acc_f.region}
                 WHERE {acc_f.id} = {key})""",
        acc_f=Facility,
        acc_r=Region,
        key=facility,
        facility_columns=named_columns("acc_f", Facility, fields),
    )


def region_with_province(region: pg.Composable) -> Fragment:
    """A LATERAL row of every column of the region, then of its province (in
    the models' order: Region.from_db / Province.from_db)."""
    return fragment(
        "accounts",
        "region_with_province",
        """LATERAL (SELECT {acc_r.*}, {acc_v.*}
                  FROM {acc_r} acc_r JOIN {acc_v} acc_v ON {acc_v.id} = {acc_r.province}
                 WHERE {acc_r.id} = {key})""",
        acc_r=Region,
        acc_v=Province,
        key=region,
    )


def designated_facility_on(person: pg.Composable, day: pg.Composable) -> Fragment:
    """The facility id of the person's designated-facility choice in force on the
    day (F2), NULL when none."""
    return fragment(
        "accounts",
        "designated_facility_on",
        """(SELECT {acc_c.facility} FROM {acc_c} acc_c
             WHERE {acc_c.person} = {person} AND {acc_c.effective_from} <= {day}
             ORDER BY {acc_c.effective_from} DESC, {acc_c.id} DESC LIMIT 1)""",
        acc_c=DesignatedFacilityChoice,
        person=person,
        day=day,
    )


def registration_on(person: pg.Composable, day: pg.Composable, active: str) -> Fragment:
    """A LATERAL row (kind, province_id) of the person's active non-local
    registration covering the day (F3; the latest start wins), no row when none.
    `active` is the parameter holding NonLocalRegistration.Status.ACTIVE."""
    return fragment(
        "accounts",
        "registration_on",
        """LATERAL (SELECT {acc_g.kind} AS kind, {acc_gr.province} AS province_id
                  FROM {acc_g} acc_g
                  JOIN {acc_gr} acc_gr ON {acc_gr.id} = {acc_g.destination}
                 WHERE {acc_g.person} = {person} AND {acc_g.status} = {active}
                   AND {acc_g.start_date} <= {day}
                   AND ({acc_g.end_date} IS NULL OR {acc_g.end_date} >= {day})
                 ORDER BY {acc_g.start_date} DESC, {acc_g.id} DESC LIMIT 1)""",
        acc_g=NonLocalRegistration,
        acc_gr=Region,
        person=person,
        day=day,
        active=pg.SQL(f"%({active})s"),
    )
