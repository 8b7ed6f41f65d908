"""This year at a glance, for each person's card (T1, C3): what the fund paid and
what they paid, how much of the deductible is used and left, how much of the
annual cap is left — from the running totals the settlement keeps (C3), and the
region's policy rules for the person's insurance type — plus the family's totals.

A policy's deductible and cap are set per facility tier. Where every tier has the
same figure (the usual case for outpatient care) the glance gives it exactly;
where they differ it gives the range, and a deductible charged per bill (an
inpatient stay) has nothing "left" to show, only its amount."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from claims.models import Bill, CareType, PolicyRule
from claims.sql import family as family_sql
from core import clock
from core.reads import Read

ZERO = Decimal("0.00")


@dataclass
class Figure:
    """A policy figure: one amount, or a range over the facility tiers."""

    low: Decimal
    high: Decimal

    @property
    def single(self) -> bool:
        return self.low == self.high


@dataclass
class CareGlance:
    care_type: str
    label: str
    bills: int
    fund_paid: Decimal  # the annual cap used
    deductible_used: Decimal
    deductible: Figure | None  # None: no deductible
    deductible_per_bill: bool
    cap: Figure | None  # None: no cap

    @property
    def deductible_left(self) -> Figure | None:
        if self.deductible is None or self.deductible_per_bill:
            return None
        return Figure(
            max(self.deductible.low - self.deductible_used, ZERO),
            max(self.deductible.high - self.deductible_used, ZERO),
        )

    @property
    def cap_left(self) -> Figure | None:
        if self.cap is None:
            return None
        return Figure(
            max(self.cap.low - self.fund_paid, ZERO), max(self.cap.high - self.fund_paid, ZERO)
        )


@dataclass
class Glance:
    year: int
    bills: int = 0
    total: Decimal = ZERO
    fund_paid: Decimal = ZERO
    personal: Decimal = ZERO
    cares: list[CareGlance] = field(default_factory=list)


@dataclass
class FamilyGlance:
    year: int
    people: dict[int, Glance]

    @property
    def fund_paid(self) -> Decimal:
        return sum((g.fund_paid for g in self.people.values()), ZERO)

    @property
    def personal(self) -> Decimal:
        return sum((g.personal for g in self.people.values()), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((g.total for g in self.people.values()), ZERO)

    @property
    def bills(self) -> int:
        return sum(g.bills for g in self.people.values())


def _figure(values: list[Decimal | None]) -> Figure | None:
    present = [v for v in values if v is not None and v > 0]
    if not present:
        return None
    return Figure(min(present), max(present))


class _Totals(NamedTuple):
    bills: int
    fund_paid: Decimal
    deductible_used: Decimal


class _Rule(NamedTuple):
    care_type: str
    deductible: Decimal
    annual_cap: Decimal | None
    deductible_scope: str


def year_at_a_glance(*, persons: list, year: int | None = None) -> FamilyGlance:
    """The glance for each of `persons` (keyed by id) and the family's totals.
    One prepared statement however many persons (claims/sql/family.py: the
    family page shows it on every visit)."""
    year = year or clock.localdate().year
    if not persons:
        return FamilyGlance(year, {})
    return year_at_a_glance_read(persons=persons, year=year).run()


def year_at_a_glance_read(*, persons: list, year: int) -> Read:
    """year_at_a_glance as a read (core.reads.read_together: the home page reads it
    with the other apps' cards in one round trip). For at least one person."""
    return Read.one(
        family_sql.GLANCE.text,
        _params(persons, year),
        lambda rows: _assemble(persons, year, *_parse(persons, rows[0])),
    )


def _assemble(persons: list, year: int, bills, totals, rules) -> FamilyGlance:
    people = {p.pk: Glance(year=year) for p in persons}
    for person_id, (n, total, fund, personal) in bills.items():
        glance = people[person_id]
        glance.bills, glance.total = n, total or ZERO
        glance.fund_paid, glance.personal = fund or ZERO, personal or ZERO
    for person in persons:
        own_rules = rules.get((person.region_id, person.insurance_type), [])
        for care_type, label in CareType.choices:
            of_care = [r for r in own_rules if r.care_type == care_type]
            total = totals.get((person.pk, care_type))
            if not of_care and total is None:
                continue
            people[person.pk].cares.append(
                CareGlance(
                    care_type=care_type,
                    label=str(label),
                    bills=total.bills if total else 0,
                    fund_paid=total.fund_paid if total else ZERO,
                    deductible_used=total.deductible_used if total else ZERO,
                    deductible=_figure([r.deductible for r in of_care]),
                    deductible_per_bill=any(
                        r.deductible_scope == PolicyRule.DeductibleScope.BILL for r in of_care
                    ),
                    cap=_figure([r.annual_cap for r in of_care]),
                )
            )
    return FamilyGlance(year, people)


def _params(persons: list, year: int) -> dict:
    """The three reads' parameters: one statement (figures travel as their text)."""
    return {
        "ids": [p.pk for p in persons],
        "first": datetime.date(year, 1, 1),
        "last": datetime.date(year, 12, 31),
        "year": year,
        "regions": sorted({p.region_id for p in persons}),
        "kinds": sorted({p.insurance_type for p in persons}),
        "settled": Bill.Status.SETTLED.value,
    }


def _parse(persons: list, raw):
    bill_rows, total_rows, rule_rows = (
        json.loads(value) if isinstance(value, str) else (value or []) for value in raw
    )

    def dec(value):
        return None if value is None else Decimal(value)

    bills = {row[0]: (row[1], dec(row[2]), dec(row[3]), dec(row[4])) for row in bill_rows}
    totals = {(row[0], row[1]): _Totals(row[2], dec(row[3]), dec(row[4])) for row in total_rows}
    wanted = {(p.region_id, p.insurance_type) for p in persons}
    rules: dict[tuple[int, str], list[_Rule]] = {}
    for region, kind, care_type, deductible, cap, scope in rule_rows:
        if (region, kind) in wanted:
            rules.setdefault((region, kind), []).append(
                _Rule(care_type, dec(deductible), dec(cap), scope)
            )
    return bills, totals, rules
