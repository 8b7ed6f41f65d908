"""The settlement's statements (C1–C6, F1–F4; claims.settlement.load and store):
lock bills and read every fact their settlement needs in one statement, lock (or
create) the running totals, and store bills, lines, totals and audit rows in one
statement. What a bill needs of its patient and facility (their provinces' flags,
the designated facility, the non-local registration) comes through accounts'
fragments (accounts.sql.people)."""

from psycopg import sql as pg

from accounts.models import Facility, InsuredPerson, Province
from accounts.sql import people
from claims.models import (
    Bill,
    BillLine,
    ChronicRecognition,
    ClaimsSettings,
    DirectoryItem,
    DirectoryVersion,
    Disease,
    PersonYearTotals,
    PolicyRule,
    RegionalPolicy,
)
from claims.models.bills import SETTLED_AMOUNTS
from claims.models.policy import POLICY_RULE_TERMS
from core.audit import audit_insert
from core.sql import col, in_model_order, listed, statement

# The columns read (all the rules need; the rest of each row stays deferred).
BILL_FIELDS = in_model_order(
    Bill,
    [
        "id",
        "reference",
        "person_id",
        "facility_id",
        "service_date",
        "visit",
        "disease_id",
        "diagnosis",
        "emergency",
        "status",
        "entered_by_id",
    ],
)
PERSON_FIELDS = in_model_order(
    InsuredPerson,
    ["id", "name", "national_id", "insurance_type", "region_id", "status", "user_id"],
)
FACILITY_FIELDS = in_model_order(
    Facility,
    [
        "id",
        "code",
        "name",
        "kind",
        "tier",
        "region_id",
        "outpatient_pooling",
        "chronic_settlement",
        "wallet_payment",
    ],
)
# Every column of a rule, in the model's order (the order the values are given
# in load._Chunk.rule_set).
RULE_FIELDS = in_model_order(PolicyRule, ["id", "policy_id", *POLICY_RULE_TERMS])
# The home province's flags the rules read (after its id, in the model's order).
PROVINCE_FIELDS = in_model_order(
    Province, ["id", "designated_facility_required", "cross_province_pooling"]
)
PROVINCE_FLAGS = PROVINCE_FIELDS[1:]


_LOAD = """
WITH b AS MATERIALIZED (
    SELECT {bill_columns} FROM {bb} bb
    WHERE {bill_filter}
    ORDER BY {bb.id}
    FOR UPDATE
)
SELECT
    {b_columns},
    {p_columns}, p.province_id, {province_flags},
    {f_columns},
    f.province_id,
    ln.ids, ln.codes, ln.names, ln.quantities, ln.prices,
    ln.item_ids, ln.item_classes, ln.item_limits, ln.item_names,
    {hp.id}, {hp.class_b_share}, {hp.referral_reduction}, {hp.other_temporary_reduction},
    {tp.class_b_share},
    ru.ids, ru.care_types, ru.tiers, ru.deductibles, ru.scopes, ru.rates, ru.caps,
    {designated},
    {b.disease} IS NOT NULL AND EXISTS (
        SELECT 1 FROM {r} r
         WHERE {r.person} = {b.person} AND {r.disease} = {b.disease}
           AND {r.status} = %(approved)s
           AND {r.valid_from} <= {b.service_date} AND {r.valid_until} >= {b.service_date}),
    COALESCE({d.cross_province}, false), {d.cross_province_since},
    reg.kind, reg.province_id,
    (SELECT {s.default_class_b_share} FROM {s} s WHERE {s.id} = 1)
FROM b
CROSS JOIN {person} p
CROSS JOIN {facility} f
LEFT JOIN {d} d ON {d.id} = {b.disease}
LEFT JOIN {hp} hp
       ON {hp.region} = p.region_id AND {hp.year} = EXTRACT(YEAR FROM {b.service_date})::int
LEFT JOIN {tp} tp
       ON {tp.region} = f.region_id AND {tp.year} = EXTRACT(YEAR FROM {b.service_date})::int
LEFT JOIN LATERAL (
    SELECT array_agg({l.id} ORDER BY {l.position}, {l.id}) AS ids,
           array_agg({l.code} ORDER BY {l.position}, {l.id}) AS codes,
           array_agg({l.name} ORDER BY {l.position}, {l.id}) AS names,
           array_agg({l.quantity} ORDER BY {l.position}, {l.id}) AS quantities,
           array_agg({l.unit_price} ORDER BY {l.position}, {l.id}) AS prices,
           array_agg(i.id ORDER BY {l.position}, {l.id}) AS item_ids,
           array_agg(i.item_class ORDER BY {l.position}, {l.id}) AS item_classes,
           array_agg(i.price_limit ORDER BY {l.position}, {l.id}) AS item_limits,
           array_agg(i.name ORDER BY {l.position}, {l.id}) AS item_names
    FROM {l} l
    -- One lookup of the (version, code) key per line, whatever the statistics.
    LEFT JOIN LATERAL (
        SELECT {di.id}, {di.item_class}, {di.price_limit}, {di.name}
        FROM {di} di
        WHERE {di.code} = {l.code}
          AND {di.version} = (SELECT {v.id} FROM {v} v
                               WHERE {v.effective_from} <= {b.service_date}
                               ORDER BY {v.effective_from} DESC LIMIT 1)
    ) i ON true
    WHERE {l.bill} = {b.id}
) ln ON true
LEFT JOIN LATERAL (
    SELECT array_agg({ru.id} ORDER BY {ru.id}) AS ids,
           array_agg({ru.care_type} ORDER BY {ru.id}) AS care_types,
           array_agg({ru.tier} ORDER BY {ru.id}) AS tiers,
           array_agg({ru.deductible} ORDER BY {ru.id}) AS deductibles,
           array_agg({ru.deductible_scope} ORDER BY {ru.id}) AS scopes,
           array_agg({ru.rate} ORDER BY {ru.id}) AS rates,
           array_agg({ru.annual_cap} ORDER BY {ru.id}) AS caps
    FROM {ru} ru
    -- Only the facility's tier can apply (decide() looks up (care type, tier)).
    WHERE {ru.policy} = {hp.id} AND {ru.insurance_type} = p.insurance_type
      AND {ru.tier} = COALESCE(f.tier, 0)
) ru ON true
LEFT JOIN {registration} reg ON true
ORDER BY {b.service_date}, {b.id}
"""
_B_PERSON = col("b", Bill, "person")
_B_DAY = col("b", Bill, "service_date")


def _load(name: str, bill_filter: str):
    template = (
        _LOAD.replace("{bill_filter}", bill_filter)
        .replace("{bill_columns}", listed("bb", BILL_FIELDS))
        .replace("{b_columns}", listed("b", BILL_FIELDS))
        .replace("{p_columns}", ", ".join(f"p.{name}" for name in PERSON_FIELDS))
        .replace("{province_flags}", ", ".join(f"p.province_{n}" for n in PROVINCE_FLAGS))
        .replace("{f_columns}", ", ".join(f"f.{name}" for name in FACILITY_FIELDS))
    )
    return statement(
        "claims",
        name,
        template,
        serves="settlement",
        bb=Bill,
        b=Bill,
        r=ChronicRecognition,
        d=Disease,
        hp=RegionalPolicy,
        tp=RegionalPolicy,
        l=BillLine,
        di=DirectoryItem,
        v=DirectoryVersion,
        ru=PolicyRule,
        s=ClaimsSettings,
        person=people.person_with_province(_B_PERSON, PERSON_FIELDS, PROVINCE_FLAGS),
        facility=people.facility_with_province(col("b", Bill, "facility"), FACILITY_FIELDS),
        designated=people.designated_facility_on(_B_PERSON, _B_DAY),
        registration=people.registration_on(_B_PERSON, _B_DAY, "registration_active"),
    )


# Two fixed texts, each prepared once per connection. One bill by a plain key:
# the server settles on one generic plan and plans it no more (planning an
# array's custom plan cost four times the run).
LOAD_ONE = _load("settlement_load_one", "{bb.id} = %(id)s::bigint")
LOAD_MANY = _load("settlement_load_many", "{bb.id} = ANY(%(ids)s::bigint[])")


# Each statement below names the rows it touches twice: joined to the JSON
# document's elements, and as an array of keys (= ANY) the planner can see.
# PostgreSQL guesses 100 elements for any jsonb_array_elements(), so with the
# join alone it hashed a whole table (every bill line) for a bill's 5 lines; with
# the array it probes the primary key (or the totals' unique key), whatever the
# tables' size or the freshness of their statistics. Only on indexed keys: on
# another column a generic plan would test every row against every element.
LOCK_TOTALS = statement(
    "claims",
    "totals_lock",
    """
    WITH want AS (
        SELECT (x->>0)::bigint AS person_id, (x->>1)::int AS year, x->>2 AS care_type
        FROM jsonb_array_elements(%(keys)s::jsonb) AS x
    ), ins AS (
        INSERT INTO {t} ({t:person}, {t:year}, {t:care_type}, {t:deductible_used},
                         {t:fund_paid}, {t:bills})
        SELECT person_id, year, care_type, 0, 0, 0 FROM want
        ORDER BY person_id, year, care_type
        ON CONFLICT ({t:person}, {t:year}, {t:care_type}) DO NOTHING
        RETURNING {t:id}, {t:person}, {t:year}, {t:care_type}, {t:deductible_used},
                  {t:fund_paid}
    ), locked AS (
        SELECT {t.id}, {t.person}, {t.year}, {t.care_type}, {t.deductible_used}, {t.fund_paid}
        FROM {t} t
        JOIN want w
          ON w.person_id = {t.person} AND w.year = {t.year} AND w.care_type = {t.care_type}
        WHERE {t.person} = ANY(%(persons)s::bigint[])
        ORDER BY {t.person}, {t.year}, {t.care_type}
        FOR UPDATE OF t
    )
    SELECT * FROM ins
    UNION ALL
    SELECT * FROM locked
    """,
    serves="settlement",
    t=PersonYearTotals,
)

# C6: in the bills document the settled amounts follow id, settled_on,
# care_type, policy rule and rate, in the model's order: their SET list is
# written from the one list of settled figures (claims.models.bills), so the
# statement and the model cannot drift apart.
AMOUNTS_AT = 5
_AFTER_AMOUNTS = AMOUNTS_AT + len(SETTLED_AMOUNTS)
_STORE = """
WITH tot AS (
    UPDATE {t} t
    SET {t:deductible_used} = {t.deductible_used} + (x->>1)::numeric,
        {t:fund_paid} = {t.fund_paid} + (x->>2)::numeric,
        {t:bills} = {t.bills} + (x->>3)::int
    FROM jsonb_array_elements(%(totals)s::jsonb) AS x
    WHERE {t.id} = (x->>0)::bigint AND {t.id} = ANY(%(total_ids)s::bigint[])
), lines AS (
    UPDATE {l} l
    SET {l:item} = (x->>1)::bigint, {l:item_class} = x->>2, {l:price_limit} = (x->>3)::numeric,
        {l:name} = x->>4, {l:amount} = (x->>5)::numeric, {l:self_pay} = (x->>6)::numeric,
        {l:class_b_first_pay} = (x->>7)::numeric, {l:eligible} = (x->>8)::numeric,
        {l:reasons} = x->9
    FROM jsonb_array_elements(%(lines)s::jsonb) AS x
    WHERE {l.id} = (x->>0)::bigint AND {l.id} = ANY(%(line_ids)s::bigint[])
), bills AS (
    UPDATE {b} b
    SET {b:status} = %(settled)s, {b:settled_at} = %(now)s, {b:settled_on} = (x->>1)::date,
        {b:care_type} = x->>2, {b:policy_rule} = (x->>3)::bigint, {b:rate} = (x->>4)::numeric,
        {amounts},
        {b:reasons} = x->REASONS_AT, {b:inputs} = x->INPUTS_AT,
        {b:payment} = (x->>PAYMENT_AT)::bigint
    FROM jsonb_array_elements(%(bills)s::jsonb) AS x
    WHERE {b.id} = (x->>0)::bigint AND {b.id} = ANY(%(bill_ids)s::bigint[])
      AND {b.status} = ANY(%(sources)s::text[])
    RETURNING {b.id}
), audit AS (
    {audit}
)
SELECT count(*) FROM bills
"""
STORE = statement(
    "claims",
    "settlement_store",
    _STORE.replace(
        "{amounts}",
        ", ".join(
            f"{{b:{name}}} = (x->>{at})::numeric"
            for at, name in enumerate(SETTLED_AMOUNTS, start=AMOUNTS_AT)
        ),
    )
    .replace("REASONS_AT", str(_AFTER_AMOUNTS))
    .replace("INPUTS_AT", str(_AFTER_AMOUNTS + 1))
    .replace("PAYMENT_AT", str(_AFTER_AMOUNTS + 2)),
    serves="settlement",
    t=PersonYearTotals,
    l=BillLine,
    b=Bill,
    audit=audit_insert(
        pg.SQL(
            """SELECT %(now)s, %(actor)s, (x->>1)::bigint, %(action)s, %(target)s || (x->>0),
                      x->2, %(actor_label)s, x->>3
               FROM jsonb_array_elements(%(audit)s::jsonb) WITH ORDINALITY AS e (x, n)
               ORDER BY e.n"""
        )
    ),
)
