"""Lock bills and read everything their settlement needs (C1–C6, F1–F4).

One statement for any number of bills (claims/sql/settlement.py): the bills
(locked FOR UPDATE, pk order), their patients and facilities with the region
flags, their lines with the directory item in force on the bill's date, the
regional policies and their rules, the designated-facility choice, the chronic
recognition, the disease's cross-province listing and the non-local
registration on that day. Settling one bill costs that one round trip whatever
the patient's history; settling a hospital's day costs one per chunk
(claims.services.bills). The rules are applied by pure code
(settlement_facts.derive and decide).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from accounts.models import Facility, InsuredPerson, NonLocalRegistration, Province, Region
from claims.models import Bill, ChronicRecognition, PolicyRule, RegionalPolicy
from claims.settlement import facts as settlement_facts
from claims.sql import settlement as settlement_sql
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


BILL_FIELDS = settlement_sql.BILL_FIELDS
PERSON_FIELDS = settlement_sql.PERSON_FIELDS
FACILITY_FIELDS = settlement_sql.FACILITY_FIELDS
RULE_FIELDS = settlement_sql.RULE_FIELDS
PROVINCE_FIELDS = settlement_sql.PROVINCE_FIELDS


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
    enums = {
        "approved": ChronicRecognition.Status.APPROVED.value,
        "registration_active": NonLocalRegistration.Status.ACTIVE.value,
    }
    with prepared_cursor() as cursor:
        if len(ids) == 1:
            cursor.execute(settlement_sql.LOAD_ONE.text, {"id": ids[0], **enums})
        else:
            cursor.execute(settlement_sql.LOAD_MANY.text, {"ids": list(ids), **enums})
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
