"""Lock bills and read everything their settlement needs (C1–C6, F1–F4).

One statement for any number of bills on PostgreSQL: the bills (locked FOR
UPDATE, pk order), their patients and facilities with the region flags, their
lines with the directory item in force on the bill's date, the regional
policies and their rules, the designated-facility choice, the chronic
recognition, the disease's cross-province listing and the non-local
registration on that day. Settling one bill costs that one round trip whatever
the patient's history; settling a hospital's day costs one per chunk
(claims.services.bills). SQLite (the embedded `make run`) reads the same facts
through the ORM, a few queries a bill (settlement_facts.gather).

Either way the rules are applied by the same pure code (settlement_facts.derive
and decide), so the two give the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from accounts.models import Facility, InsuredPerson, Province, Region
from claims.models import Bill, PolicyRule, RegionalPolicy
from claims.models.policy import POLICY_RULE_TERMS
from claims.settlement import facts as settlement_facts
from core.db import prepared_cursor


class LineRow(NamedTuple):
    id: int
    code: str
    name: str
    quantity: Decimal
    unit_price: Decimal


class ItemRow(NamedTuple):
    """The directory item a line's code names in the version in force (C1)."""

    id: int
    item_class: str
    price_limit: Decimal | None
    name: str


@dataclass
class ToSettle:
    """An entered bill, locked, with what its settlement needs. `bill.person` and
    `bill.facility` are loaded (with their regions' province flags)."""

    bill: Bill
    lines: list[LineRow]
    items: dict[str, ItemRow]
    facts: settlement_facts.Facts | None  # None: the bill is settled already


def _in_model_order(model, names: list[str]) -> list[str]:
    """Model.from_db takes a subset of fields in the model's own field order."""
    order = [f.attname for f in model._meta.concrete_fields]
    assert set(names) <= set(order), set(names) - set(order)
    return sorted(names, key=order.index)


# The columns read (all the rules need; the rest of each row stays deferred).
BILL_FIELDS = _in_model_order(
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
PERSON_FIELDS = _in_model_order(
    InsuredPerson,
    ["id", "name", "national_id", "insurance_type", "region_id", "status", "user_id"],
)
FACILITY_FIELDS = _in_model_order(
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
# in _Chunk.rule_set).
RULE_FIELDS = _in_model_order(PolicyRule, ["id", "policy_id", *POLICY_RULE_TERMS])
PROVINCE_FIELDS = _in_model_order(
    Province,
    ["id", "designated_facility_required", "cross_province_pooling"],
)

_LOAD_SQL_TEMPLATE = """
WITH b AS MATERIALIZED (
    SELECT {bill_columns} FROM claims_bill
    WHERE {bill_filter}
    ORDER BY id
    FOR UPDATE
)
SELECT
    {b_columns},
    {p_columns},
    {pp_columns},
    {f_columns},
    fp.id,
    ln.ids, ln.codes, ln.names, ln.quantities, ln.prices,
    ln.item_ids, ln.item_classes, ln.item_limits, ln.item_names,
    hp.id, hp.class_b_share, hp.referral_reduction, hp.other_temporary_reduction,
    tp.class_b_share,
    ru.ids, ru.care_types, ru.tiers, ru.deductibles, ru.scopes, ru.rates, ru.caps,
    (SELECT c.facility_id FROM accounts_designatedfacilitychoice c
      WHERE c.person_id = b.person_id AND c.effective_from <= b.service_date
      ORDER BY c.effective_from DESC, c.id DESC LIMIT 1),
    b.disease_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM claims_chronicrecognition r
         WHERE r.person_id = b.person_id AND r.disease_id = b.disease_id
           AND r.status = 'approved'
           AND r.valid_from <= b.service_date AND r.valid_until >= b.service_date),
    COALESCE(d.cross_province, false), d.cross_province_since,
    reg.kind, reg.province_id,
    (SELECT s.default_class_b_share FROM claims_claimssettings s WHERE s.id = 1)
FROM b
JOIN accounts_insuredperson p ON p.id = b.person_id
JOIN accounts_region pr ON pr.id = p.region_id
JOIN accounts_province pp ON pp.id = pr.province_id
JOIN accounts_facility f ON f.id = b.facility_id
JOIN accounts_region fr ON fr.id = f.region_id
JOIN accounts_province fp ON fp.id = fr.province_id
LEFT JOIN claims_disease d ON d.id = b.disease_id
LEFT JOIN claims_regionalpolicy hp
       ON hp.region_id = p.region_id AND hp.year = EXTRACT(YEAR FROM b.service_date)::int
LEFT JOIN claims_regionalpolicy tp
       ON tp.region_id = f.region_id AND tp.year = EXTRACT(YEAR FROM b.service_date)::int
LEFT JOIN LATERAL (
    SELECT array_agg(l.id ORDER BY l.position, l.id) AS ids,
           array_agg(l.code ORDER BY l.position, l.id) AS codes,
           array_agg(l.name ORDER BY l.position, l.id) AS names,
           array_agg(l.quantity ORDER BY l.position, l.id) AS quantities,
           array_agg(l.unit_price ORDER BY l.position, l.id) AS prices,
           array_agg(i.id ORDER BY l.position, l.id) AS item_ids,
           array_agg(i.item_class ORDER BY l.position, l.id) AS item_classes,
           array_agg(i.price_limit ORDER BY l.position, l.id) AS item_limits,
           array_agg(i.name ORDER BY l.position, l.id) AS item_names
    FROM claims_billline l
    -- One lookup of the (version, code) key per line, whatever the statistics.
    LEFT JOIN LATERAL (
        SELECT d.id, d.item_class, d.price_limit, d.name
        FROM claims_directoryitem d
        WHERE d.code = l.code
          AND d.version_id = (SELECT v.id FROM claims_directoryversion v
                               WHERE v.effective_from <= b.service_date
                               ORDER BY v.effective_from DESC LIMIT 1)
    ) i ON true
    WHERE l.bill_id = b.id
) ln ON true
LEFT JOIN LATERAL (
    SELECT array_agg(r.id ORDER BY r.id) AS ids,
           array_agg(r.care_type ORDER BY r.id) AS care_types,
           array_agg(r.tier ORDER BY r.id) AS tiers,
           array_agg(r.deductible ORDER BY r.id) AS deductibles,
           array_agg(r.deductible_scope ORDER BY r.id) AS scopes,
           array_agg(r.rate ORDER BY r.id) AS rates,
           array_agg(r.annual_cap ORDER BY r.id) AS caps
    FROM claims_policyrule r
    -- Only the facility's tier can apply (decide() looks up (care type, tier)).
    WHERE r.policy_id = hp.id AND r.insurance_type = p.insurance_type
      AND r.tier = COALESCE(f.tier, 0)
) ru ON true
LEFT JOIN LATERAL (
    SELECT g.kind, gr.province_id
    FROM accounts_nonlocalregistration g
    JOIN accounts_region gr ON gr.id = g.destination_id
    WHERE g.person_id = b.person_id AND g.status = 'active'
      AND g.start_date <= b.service_date
      AND (g.end_date IS NULL OR g.end_date >= b.service_date)
    ORDER BY g.start_date DESC, g.id DESC LIMIT 1
) reg ON true
ORDER BY b.service_date, b.id
"""
_COLUMNS = {
    "bill_columns": ", ".join(BILL_FIELDS),
    "b_columns": ", ".join(f"b.{f}" for f in BILL_FIELDS),
    "p_columns": ", ".join(f"p.{f}" for f in PERSON_FIELDS),
    "pp_columns": ", ".join(f"pp.{f}" for f in PROVINCE_FIELDS),
    "f_columns": ", ".join(f"f.{f}" for f in FACILITY_FIELDS),
}
# Two fixed texts (the column lists are the models'), each prepared once per
# connection. One bill by a plain key: the server settles on one generic plan and
# plans it no more (planning an array's custom plan cost four times the run).
_LOAD_ONE_SQL = _LOAD_SQL_TEMPLATE.format(bill_filter="id = %(id)s::bigint", **_COLUMNS)
_LOAD_SQL = _LOAD_SQL_TEMPLATE.format(bill_filter="id = ANY(%(ids)s::bigint[])", **_COLUMNS)


def load_for_settlement(ids: list[int]) -> list[ToSettle]:
    """Lock the bills with these ids (pk order) and read what settling them needs,
    in date order (service date, then pk: the order their running totals are
    used in, C3). Must run inside the settling transaction. Bills already settled
    come back with `facts` None; unknown ids are left out."""
    return _load_sql(ids)


class _Chunk:
    """Model instances shared by the bills of one load (one patient, facility,
    policy or rule set is built once however many bills name it)."""

    def __init__(self) -> None:
        self.db = connection.alias
        self.persons: dict[int, InsuredPerson] = {}
        self.home_regions: dict[int, Region] = {}  # with their provinces' flags
        self.facilities: dict[int, Facility] = {}
        self.policies: dict[int, RegionalPolicy] = {}
        self.rules: dict[tuple[int, str, int], dict] = {}

    def person(self, values, province_values) -> InsuredPerson:
        person = self.persons.get(values[0])
        if person is None:
            person = InsuredPerson.from_db(self.db, PERSON_FIELDS, values)
            region = self.home_regions.get(person.region_id)
            if region is None:
                province = Province.from_db(self.db, PROVINCE_FIELDS, province_values)
                region = Region.from_db(
                    self.db, ["id", "province_id"], (person.region_id, province.pk)
                )
                region.province = province
                self.home_regions[region.pk] = region
            person.region = region
            self.persons[person.pk] = person
        return person

    def facility(self, values, province_id) -> Facility:
        facility = self.facilities.get(values[0])
        if facility is None:
            facility = Facility.from_db(self.db, FACILITY_FIELDS, values)
            facility.region = Region.from_db(
                self.db, ["id", "province_id"], (facility.region_id, province_id)
            )
            self.facilities[facility.pk] = facility
        return facility

    def policy(self, values) -> RegionalPolicy | None:
        if values[0] is None:
            return None
        policy = self.policies.get(values[0])
        if policy is None:
            policy = RegionalPolicy.from_db(
                self.db,
                ["id", "class_b_share", "referral_reduction", "other_temporary_reduction"],
                values,
            )
            self.policies[policy.pk] = policy
        return policy

    def rule_set(
        self, policy: RegionalPolicy | None, insurance_type: str, tier: int, arrays
    ) -> dict:
        """The policy's rules for this insurance type at this facility tier."""
        if policy is None or arrays[0] is None:
            return {}
        key = (policy.pk, insurance_type, tier)
        rules = self.rules.get(key)
        if rules is None:
            rules = {}
            for pk, care_type, tier, deductible, scope, rate, cap in zip(*arrays, strict=True):
                rule = PolicyRule.from_db(
                    self.db,
                    RULE_FIELDS,
                    (pk, policy.pk, insurance_type, care_type, tier, deductible, scope, rate, cap),
                )
                rules[(care_type, tier)] = rule
            self.rules[key] = rules
        return rules


def _load_sql(ids: list[int]) -> list[ToSettle]:
    with prepared_cursor() as cursor:
        if len(ids) == 1:
            cursor.execute(_LOAD_ONE_SQL, {"id": ids[0]})
        else:
            cursor.execute(_LOAD_SQL, {"ids": list(ids)})
        rows = cursor.fetchall()
    chunk = _Chunk()
    nb, npn, npv, nf = (
        len(BILL_FIELDS),
        len(PERSON_FIELDS),
        len(PROVINCE_FIELDS),
        len(FACILITY_FIELDS),
    )
    found = []
    for row in rows:
        at = 0
        bill_values = row[at : at + nb]
        at += nb
        person = chunk.person(row[at : at + npn], row[at + npn : at + npn + npv])
        at += npn + npv
        facility = chunk.facility(row[at : at + nf], row[at + nf])
        at += nf + 1
        bill = Bill.from_db(chunk.db, BILL_FIELDS, bill_values)
        bill.person = person
        bill.facility = facility
        if not Bill.flow.allows(bill.status, Bill.Status.SETTLED):  # done before
            found.append(ToSettle(bill, [], {}, None))
            continue
        (line_ids, codes, names, quantities, prices, item_ids, classes, limits, item_names) = row[
            at : at + 9
        ]
        at += 9
        lines = [
            LineRow(*values)
            for values in zip(
                line_ids or (),
                codes or (),
                names or (),
                quantities or (),
                prices or (),
                strict=True,
            )
        ]
        items = {
            code: ItemRow(item_id, item_class, limit, item_name)
            for code, item_id, item_class, limit, item_name in zip(
                codes or (),
                item_ids or (),
                classes or (),
                limits or (),
                item_names or (),
                strict=True,
            )
            if item_id is not None
        }
        home_policy = chunk.policy(row[at : at + 4])
        at += 4
        there_share = row[at]
        at += 1
        rules = chunk.rule_set(
            home_policy, person.insurance_type, facility.tier or 0, row[at : at + 7]
        )
        at += 7
        (
            designated_facility_id,
            recognised,
            cross_list,
            since,
            registration_kind,
            registration_province,
            default_share,
        ) = row[at : at + 7]
        facts = settlement_facts.derive(
            day=bill.service_date,
            visit=bill.visit,
            emergency=bill.emergency,
            disease_id=bill.disease_id,
            person=person,
            facility=facility,
            home_policy=home_policy,
            there_class_b_share=there_share,
            rules=rules,
            designated_facility_id=designated_facility_id,
            recognised=recognised,
            disease_cross_province=cross_list,
            disease_cross_province_since=since,
            registration=None
            if registration_kind is None
            else (registration_kind, registration_province),
            default_class_b_share=default_share,
        )
        found.append(ToSettle(bill, lines, items, facts))
    return found
