"""The annual cost summary (T1) and the major-illness deduction (T2)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

from accounts import selectors as accounts_selectors
from accounts.models import DependentBinding, InsuredPerson
from claims.models import Bill, ClaimsSettings
from claims.settlement.calc import ZERO, money

MINOR_AGE = 18  # the age of majority in Chinese civil law, not a policy number

SUMS = ("total", "fund_paid", "personal_in_directory", "self_pay", "personal_total")


def major_illness_deduction(
    personal_in_directory: Decimal, *, settings: ClaimsSettings | None = None
) -> Decimal:
    """T2: min(max(personal share within the directory − 15,000, 0), 80,000),
    with both numbers from the claims settings."""
    settings = settings or ClaimsSettings.current()
    over = max(personal_in_directory - settings.tax_threshold, ZERO)
    return money(min(over, settings.tax_cap))


@dataclass
class Claimant:
    relation: str  # "self", "spouse", "child", "parent", ... or "" (none)
    may_claim: bool  # may the viewer claim this person's deduction?
    text: str


def who_may_claim(
    *, viewer: InsuredPerson | None, person: InsuredPerson, year: int, declared: str = ""
) -> Claimant:
    """T2: claimable for oneself, a spouse and minor children — not for parents.

    The relationship on record (A2) decides; without one, what the user declared
    when binding the relative as a dependent (A3)."""
    if viewer is not None and viewer.pk == person.pk:
        return Claimant("self", True, _("You may claim it on your own tax return."))
    relation = (
        accounts_selectors.relation_of(person=viewer, other=person) if viewer else None
    ) or declared
    if relation == "spouse":
        return Claimant(
            relation, True, _("You may claim it for your spouse (or your spouse claims it).")
        )
    if relation == "child":
        if person.age_on(datetime.date(year, 12, 31)) < MINOR_AGE:
            return Claimant(
                relation,
                True,
                _(
                    "You may claim it for your minor child (one parent claims it, "
                    "or the parents split it)."
                ),
            )
        return Claimant(relation, False, _("Your child is an adult: they claim it themselves."))
    if relation == "parent":
        return Claimant(
            relation,
            False,
            _("Not for parents: your parent claims it on their own tax return."),
        )
    return Claimant(
        relation,
        False,
        _("Only the patient, their spouse or, for a minor, a parent may claim it."),
    )


@dataclass
class Month:
    month: int
    total: Decimal = ZERO
    fund: Decimal = ZERO
    personal: Decimal = ZERO


@dataclass
class YearSummary:
    person: InsuredPerson
    year: int
    bills: int = 0
    total: Decimal = ZERO
    fund_paid: Decimal = ZERO
    personal_in_directory: Decimal = ZERO
    self_pay: Decimal = ZERO
    personal_total: Decimal = ZERO
    deduction: Decimal = ZERO
    claimant: Claimant | None = None
    months: list[Month] = field(default_factory=list)
    threshold: Decimal = ZERO
    cap: Decimal = ZERO

    @property
    def chart(self) -> dict:
        """Bars for the monthly cost chart (server-rendered SVG, no script)."""
        return monthly_chart(self.months)


def _settled_in(year: int):
    return Bill.objects.filter(
        status=Bill.Status.SETTLED,
        settled_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
    )


def annual_summary(
    *, person: InsuredPerson, year: int, viewer: InsuredPerson | None = None, user=None
) -> YearSummary:
    """T1: one person's year (by the date bills were settled, T2)."""
    return family_summary(persons=[person], year=year, viewer=viewer, user=user)[0]


def family_summary(
    *,
    persons: list[InsuredPerson],
    year: int,
    viewer: InsuredPerson | None = None,
    user=None,
) -> list[YearSummary]:
    """T1 for several persons in four queries plus one per relation asked."""
    settings = ClaimsSettings.current()
    ids = [p.pk for p in persons]
    summaries = {
        p.pk: YearSummary(
            person=p,
            year=year,
            months=[Month(m) for m in range(1, 13)],
            threshold=settings.tax_threshold,
            cap=settings.tax_cap,
        )
        for p in persons
    }
    totals = (
        _settled_in(year)
        .filter(person_id__in=ids)
        .values("person_id")
        .annotate(n=Count("pk"), **{name: Sum(name) for name in SUMS})
    )
    for row in totals:
        summary = summaries[row["person_id"]]
        summary.bills = row["n"]
        for name in SUMS:
            setattr(summary, name, row[name] or ZERO)
    months = (
        _settled_in(year)
        .filter(person_id__in=ids)
        .annotate(month=ExtractMonth("settled_on"))
        .values("person_id", "month")
        .annotate(total=Sum("total"), fund=Sum("fund_paid"), personal=Sum("personal_total"))
    )
    for row in months:
        month = summaries[row["person_id"]].months[row["month"] - 1]
        month.total, month.fund, month.personal = row["total"], row["fund"], row["personal"]
    declared = {}
    if user is not None and user.is_authenticated:
        declared = dict(
            DependentBinding.objects.filter(
                user=user, person_id__in=ids, status=DependentBinding.Status.ACTIVE
            ).values_list("person_id", "relation")
        )
    for summary in summaries.values():
        summary.deduction = major_illness_deduction(
            summary.personal_in_directory, settings=settings
        )
        summary.claimant = who_may_claim(
            viewer=viewer,
            person=summary.person,
            year=year,
            declared=declared.get(summary.person.pk, ""),
        )
    return [summaries[pk] for pk in ids]


# Room at the top for the labelled peak line, at the bottom for the month numbers.
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 640, 260, 40, 34, 8


def monthly_chart(months: list[Month]) -> dict:
    """Stacked bars (fund / personal) for 12 months, scaled to the largest month."""
    peak = max((m.total for m in months), default=ZERO)
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / 12
    bars = []
    for i, month in enumerate(months):
        x = CHART_LEFT + i * slot + slot * 0.15
        scale = float(month.total / peak) if peak else 0.0
        height = round(plot_height * scale, 1)
        fund_height = round(height * float(month.fund / month.total), 1) if month.total else 0
        bars.append(
            {
                "month": month.month,
                "x": round(x, 1),
                "width": round(slot * 0.7, 1),
                "label_x": round(x + slot * 0.35, 1),
                "y": round(CHART_TOP + plot_height - height, 1),
                "height": height,
                "fund_y": round(CHART_TOP + plot_height - fund_height, 1),
                "fund_height": fund_height,
                "total": month.total,
                "fund": month.fund,
                "personal": month.personal,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "left": CHART_LEFT,
        "top": CHART_TOP,
        "label_y": CHART_HEIGHT - 6,
        "peak": peak,
        "bars": bars,
    }
