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
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from claims.models import Bill, CareType, PersonYearTotals, PolicyRule

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


def year_at_a_glance(*, persons: list, year: int | None = None) -> FamilyGlance:
    """The glance for each of `persons` (keyed by id) and the family's totals.
    Three queries however many persons."""
    year = year or timezone.localdate().year
    people = {p.pk: Glance(year=year) for p in persons}
    if not persons:
        return FamilyGlance(year, people)
    ids = list(people)
    for row in (
        Bill.objects.filter(
            person_id__in=ids,
            status=Bill.Status.SETTLED,
            settled_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
        )
        .values("person_id")
        .annotate(
            n=Count("pk"), total=Sum("total"), fund=Sum("fund_paid"), personal=Sum("personal_total")
        )
    ):
        glance = people[row["person_id"]]
        glance.bills, glance.total = row["n"], row["total"] or ZERO
        glance.fund_paid, glance.personal = row["fund"] or ZERO, row["personal"] or ZERO
    totals = {
        (t.person_id, t.care_type): t
        for t in PersonYearTotals.objects.filter(person_id__in=ids, year=year)
    }
    rules: dict[tuple[int, str], list[PolicyRule]] = {}
    wanted = {(p.region_id, p.insurance_type) for p in persons}
    for rule in PolicyRule.objects.filter(
        policy__year=year,
        policy__region_id__in={region for region, _kind in wanted},
        insurance_type__in={kind for _region, kind in wanted},
    ).select_related("policy"):
        rules.setdefault((rule.policy.region_id, rule.insurance_type), []).append(rule)
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
