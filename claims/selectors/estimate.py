"""The cost estimate before a visit (no writes) and the commercial-insurance
comparison (T3). Both reuse the settlement's own calculation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson, NonLocalRegistration
from claims.models import CareType, CommercialPlan, DirectoryItem, DirectoryVersion, Disease
from claims.settlement import facts as settlement_facts
from claims.settlement.calc import HUNDRED, SettlementResult, calculate, money


@dataclass
class Scenario:
    key: str
    label: str
    result: SettlementResult
    care_type: str
    actual: bool = False
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label

    @property
    def lines(self) -> list[dict]:
        names = self.names or self.codes
        return [
            {"code": code, "name": name, "out": out}
            for code, name, out in zip(self.codes, names, self.result.lines, strict=True)
        ]


def estimate(
    *,
    person: InsuredPerson,
    facility: Facility,
    day: datetime.date,
    visit: str,
    lines: list[tuple[str, Decimal, Decimal]],
    disease: Disease | None = None,
    items: dict | None = None,
) -> list[Scenario]:
    """What the fund would pay and what the family would pay for these lines —
    as things stand (with this year's deductible and cap already used), and what
    would change with a designated facility (F2), a chronic recognition (C5) or
    another kind of non-local registration (F4). Reads only. `items`: the
    lines' directory items in force on `day` if the caller has read them."""
    facts = settlement_facts.gather(
        person=person, facility=facility, day=day, visit=visit, disease=disease
    )
    if items is None:
        items = settlement_facts.directory_items(day=day, codes=[code for code, _q, _p in lines])
    totals = settlement_facts.year_totals(person=person, year=day.year)

    def run(key: str, label, the_facts, actual: bool = False) -> Scenario:
        decision = settlement_facts.decide(the_facts)
        used = totals.get(decision.care_type)
        data = settlement_facts.settlement_input(
            lines=lines,
            items=items,
            facts=the_facts,
            decision=decision,
            deductible_used=used.deductible_used if used else Decimal("0"),
            cap_used=used.fund_paid if used else Decimal("0"),
        )
        return Scenario(
            key,
            label,
            calculate(data),
            decision.care_type,
            actual,
            tuple(code for code, _q, _p in lines),
            # Families read the item's name, not its directory code.
            tuple(getattr(items.get(code), "name", code) for code, _q, _p in lines),
        )

    scenarios = [run("actual", _("As things stand"), facts, actual=True)]
    if facts.designated_required and not facts.is_designated:
        # F2; families read the words, not the rule id.
        scenarios.append(
            run(
                "designated",
                _("If this were your designated outpatient facility"),
                facts.but(is_designated=True),
            )
        )
    if disease is not None and visit == "outpatient":
        if facts.recognised:
            scenarios.append(
                run("no_chronic", _("Without the chronic recognition"), facts.but(recognised=False))
            )
        else:
            scenarios.append(
                run("chronic", _("With a chronic-disease recognition"), facts.but(recognised=True))
            )
    if facts.non_local:
        kinds = [
            (NonLocalRegistration.Kind.LONG_TERM_RESIDENT, _("With a long-term registration")),
            (NonLocalRegistration.Kind.REFERRAL, _("With a referral registration")),
            (
                NonLocalRegistration.Kind.OTHER_TEMPORARY,
                _("With an other temporary registration"),
            ),
            (settlement_facts.NO_REGISTRATION, _("Without a registration")),
        ]
        for kind, label in kinds:
            if kind != facts.registration:
                scenarios.append(run(f"reg_{kind}", label, facts.but(registration=kind)))
    return scenarios


def directory_items(*, day: datetime.date, codes) -> dict[str, DirectoryItem]:
    """The items in force on `day` for `codes`, by code (C1): the settlement's own
    read, so the estimate prices lines exactly as a bill would be."""
    return settlement_facts.directory_items(day=day, codes=codes)


# How many items the estimate's item picker suggests for what was typed.
SUGGESTIONS = 20


def directory_search(*, text: str, day: datetime.date) -> list[DirectoryItem]:
    """The items of the directory in force on `day` (C1) whose code starts with
    `text` or whose name contains it, codes first: one query, at most
    SUGGESTIONS rows, whatever the directory's size."""
    text = text.strip()
    if not text:
        return []
    version = (
        DirectoryVersion.objects.filter(effective_from__lte=day)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return list(
        DirectoryItem.objects.filter(version=Subquery(version))
        .filter(Q(code__istartswith=text) | Q(name__icontains=text))
        .order_by("code")
        .only("code", "name", "item_class")[:SUGGESTIONS]
    )


@dataclass
class CommercialEstimate:
    plan: CommercialPlan
    with_basic: Decimal  # what the plan pays when basic insurance was used first
    with_basic_left: Decimal  # what the family still pays then
    without_basic: Decimal  # what the plan pays when basic insurance was not used
    without_basic_left: Decimal
    difference: Decimal  # what skipping basic insurance costs the family


def commercial_estimate(*, total: Decimal, personal_total: Decimal) -> list[CommercialEstimate]:
    """T3: a reimbursement-type plan pays `rate_with_basic` of what is left after
    basic insurance when it was used first, else `rate_without_basic` of the
    whole cost. For each plan in the settings."""
    estimates = []
    for plan in CommercialPlan.objects.all():
        with_basic = money(personal_total * plan.rate_with_basic / HUNDRED)
        without_basic = money(total * plan.rate_without_basic / HUNDRED)
        with_left = personal_total - with_basic
        without_left = total - without_basic
        estimates.append(
            CommercialEstimate(
                plan=plan,
                with_basic=with_basic,
                with_basic_left=with_left,
                without_basic=without_basic,
                without_basic_left=without_left,
                difference=without_left - with_left,
            )
        )
    return estimates
