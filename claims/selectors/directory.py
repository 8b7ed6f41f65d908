"""The directory for families (目录查询, D1, D2): drugs and services found by
name, code or pinyin initials, with their class, the part the patient pays
first, the price limit, and what the family member's region pays, for this
year's edition or last year's."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson
from claims.models import (
    CareType,
    ClaimsSettings,
    DirectoryItem,
    DirectoryVersion,
    ItemClass,
    PolicyRule,
    RegionalPolicy,
)
from core import clock

HUNDRED = Decimal("100")
ZERO = Decimal("0")
# How many items one search shows: enough to pick from, never the whole directory.
LIMIT = 50

# D1: the class as families know it (甲 / 乙 / 丙).
CLASS_NAMES = {
    ItemClass.A: _("Class A (甲)"),
    ItemClass.B: _("Class B (乙)"),
    ItemClass.OUT: _("Class C (丙, self-pay)"),
}


@dataclass
class Row:
    item: DirectoryItem
    class_name: str
    self_pay_share: Decimal  # percent of the price (up to the limit) the patient pays first

    @property
    def eligible_share(self) -> Decimal:
        return HUNDRED - self.self_pay_share


@dataclass
class Rates:
    care_type: str
    low: Decimal
    high: Decimal

    @property
    def label(self) -> str:
        return CareType(self.care_type).label


@dataclass
class RegionTerms:
    """What the person's insured region pays in the year (C1, C3)."""

    region: str
    year: int
    class_b_share: Decimal
    rates: list[Rates]


def directory_years() -> list[int]:
    """D1: this year and last year."""
    year = clock.localdate().year
    return [year, year - 1]


def version_for(year: int) -> DirectoryVersion | None:
    """The edition in force in `year` (today's for this year, the last one of a
    past year): C1's version in force on a date."""
    today = clock.localdate()
    day = today if year >= today.year else datetime.date(year, 12, 31)
    return (
        DirectoryVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    )


def region_terms(*, person: InsuredPerson | None, year: int) -> RegionTerms | None:
    if person is None:
        return None
    policy = RegionalPolicy.objects.filter(region_id=person.region_id, year=year).first()
    share = policy.class_b_share if policy else ClaimsSettings.current().default_class_b_share
    rates: dict[str, list[Decimal]] = {}
    if policy is not None:
        for care_type, rate in PolicyRule.objects.filter(
            policy=policy, insurance_type=person.insurance_type
        ).values_list("care_type", "rate"):
            rates.setdefault(care_type, []).append(rate)
    return RegionTerms(
        region=str(person.region),
        year=year,
        class_b_share=share,
        rates=[
            Rates(care_type, min(found), max(found)) for care_type, found in sorted(rates.items())
        ],
    )


def self_pay_share(item_class: str, class_b_share: Decimal) -> Decimal:
    """C1: class A nothing first, class B the region's share, class C all of it."""
    if item_class == ItemClass.A:
        return ZERO
    if item_class == ItemClass.B:
        return class_b_share
    return HUNDRED


def directory_lookup(
    *, text: str, year: int, person: InsuredPerson | None = None
) -> tuple[list[Row], RegionTerms | None]:
    """D1: the items of `year`'s edition whose code or pinyin initials start
    with `text` or whose name contains it (at most LIMIT), with what the
    person's region makes the patient pay first."""
    terms = region_terms(person=person, year=year)
    text = text.strip()
    version = version_for(year)
    if not text or version is None:
        return [], terms
    upper = text.upper()
    items = (
        DirectoryItem.objects.filter(version=version)
        .filter(Q(code__istartswith=text) | Q(name__icontains=text) | Q(initials__startswith=upper))
        .order_by("code")[:LIMIT]
    )
    share = terms.class_b_share if terms else ClaimsSettings.current().default_class_b_share
    rows = [
        Row(
            item,
            str(CLASS_NAMES[ItemClass(item.item_class)]),
            self_pay_share(item.item_class, share),
        )
        for item in items
    ]
    return rows, terms
