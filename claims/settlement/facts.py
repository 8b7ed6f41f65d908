"""What a settlement needs to know from the database, and the decisions made from
it: which policy row applies (C3, C5), the non-local reduction (F4), and whether
the fund pays at all (F1, F2). Reads only — the estimate uses it without writing.

`derive` turns what the database says into Facts; `gather` reads it through the
ORM in a constant number of queries (the estimate), load.py in one statement for
any number of bills (the settlement). `decide` is
pure, so the estimate can ask "what if" by overriding a fact.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Subquery

from accounts import selectors as accounts_selectors
from accounts.models import Facility, InsuranceType, InsuredPerson, NonLocalRegistration
from claims.models import (
    CareType,
    ChronicRecognition,
    ClaimsSettings,
    DirectoryItem,
    DirectoryVersion,
    Disease,
    PersonYearTotals,
    PolicyRule,
    RegionalPolicy,
    Visit,
)
from claims.settlement.calc import ZERO, LineIn, RuleIn, SettlementInput

NO_REGISTRATION = "none"


@dataclass(frozen=True)
class Facts:
    """Everything outside the bill lines that decides a settlement."""

    day: datetime.date
    visit: str
    insurance_type: str
    tier: int  # 0 for pharmacies
    outpatient_pooling: bool
    chronic_settlement_facility: bool
    non_local: bool
    cross_province: bool
    designated_required: bool  # F2 applies to this person
    is_designated: bool  # the facility is their designated one on that day
    disease_id: int | None
    recognised: bool  # a valid recognition for that disease on that day (C5)
    # C5: the disease is on the national cross-province list in the year of care.
    disease_cross_province: bool
    registration: str  # a NonLocalRegistration kind, or NO_REGISTRATION
    emergency: bool
    class_b_share: Decimal
    referral_reduction: Decimal
    other_reduction: Decimal
    rules: dict  # (care_type, tier) -> PolicyRule
    policy_id: int | None

    def but(self, **changes) -> Facts:
        """The same facts with some changed ("what if" for the estimate)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Decision:
    care_type: str
    rule: PolicyRule | None
    rate_reduction: Decimal
    refusal: str
    notes: tuple[str, ...]


def directory_items(*, day: datetime.date, codes) -> dict[str, DirectoryItem]:
    """The items with these codes in the directory version in force on `day` (C1),
    in one query."""
    version = (
        DirectoryVersion.objects.filter(effective_from__lte=day)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    items = DirectoryItem.objects.filter(version=Subquery(version), code__in=set(codes))
    return {item.code: item for item in items}


def _recognised(*, person: InsuredPerson, disease_id: int | None, day) -> bool:
    if disease_id is None:
        return False
    return ChronicRecognition.objects.filter(
        person=person,
        disease_id=disease_id,
        status=ChronicRecognition.Status.APPROVED,
        valid_from__lte=day,
        valid_until__gte=day,
    ).exists()


def on_cross_province_list(*, cross_province: bool, since: int | None, day) -> bool:
    """C5: cross-province settlement covers only the diseases of the national list,
    each from the year it was added (five more since 2024)."""
    return cross_province and (since is None or since <= day.year)


def _disease_list_flags(disease: Disease | int | None) -> tuple[bool, int | None]:
    if disease is None:
        return False, None
    if not isinstance(disease, Disease):
        disease = (
            Disease.objects.filter(pk=disease)
            .only("cross_province", "cross_province_since")
            .first()
        )
        if disease is None:
            return False, None
    return disease.cross_province, disease.cross_province_since


def gather(
    *,
    person: InsuredPerson,
    facility: Facility,
    day: datetime.date,
    visit: str,
    disease: Disease | int | None = None,
    emergency: bool = False,
) -> Facts:
    """Read the facts for a bill of `person` at `facility` on `day` through the
    ORM (the estimate; tests/claims/reference_settlement.py). `person` and `facility`
    should come with region__province loaded."""
    disease_id = disease.pk if isinstance(disease, Disease) else disease
    home, there = person.region, facility.region
    non_local = home.pk != there.pk
    cross_province = home.province_id != there.province_id
    policies = {
        p.region_id: p
        for p in RegionalPolicy.objects.filter(
            region_id__in={home.pk, there.pk}, year=day.year
        ).prefetch_related(
            # Only the rules for this person's insurance type.
            _rules_prefetch(person.insurance_type)
        )
    }
    home_policy = policies.get(home.pk)
    there_policy = policies.get(there.pk)
    designated_required = designated_facility_rule_applies(
        visit=visit,
        insurance_type=person.insurance_type,
        province_requires=home.province.designated_facility_required,
    )
    designated_facility_id = None
    if designated_required:
        choice = accounts_selectors.designated_facility_on(person=person, day=day)
        designated_facility_id = choice.facility_id if choice is not None else None
    registration = None
    if non_local:
        found = accounts_selectors.registration_on(person=person, day=day)
        if found is not None:
            registration = (found.kind, found.destination.province_id)
    outpatient = visit == Visit.OUTPATIENT
    cross_list, since = (
        _disease_list_flags(disease) if cross_province and outpatient else (False, None)
    )
    return derive(
        day=day,
        visit=visit,
        emergency=emergency,
        disease_id=disease_id,
        person=person,
        facility=facility,
        home_policy=home_policy,
        there_class_b_share=there_policy.class_b_share if there_policy else None,
        rules={(r.care_type, r.tier): r for r in home_policy.prefetched_rules}
        if home_policy is not None
        else {},
        designated_facility_id=designated_facility_id,
        recognised=outpatient and _recognised(person=person, disease_id=disease_id, day=day),
        disease_cross_province=cross_list,
        disease_cross_province_since=since,
        registration=registration,
    )


def designated_facility_rule_applies(
    *, visit: str, insurance_type: str, province_requires: bool
) -> bool:
    """F2 applies to residents' general outpatient care where the province says so."""
    return (
        visit == Visit.OUTPATIENT and insurance_type == InsuranceType.RESIDENT and province_requires
    )


def derive(
    *,
    day: datetime.date,
    visit: str,
    emergency: bool,
    disease_id: int | None,
    person: InsuredPerson,
    facility: Facility,
    home_policy,
    there_class_b_share: Decimal | None,
    rules: dict,
    designated_facility_id: int | None,
    recognised: bool,
    disease_cross_province: bool,
    disease_cross_province_since: int | None,
    registration: tuple[str, int] | None,
    default_class_b_share: Decimal | None = None,
) -> Facts:
    """The facts from what the database says (pure apart from reading the
    default class-B share when neither region has a policy): the same whether the
    values came through the ORM (gather) or one set-based statement
    (claims.settlement.load). `person` and `facility` come with their regions
    (the person's with its province's flags); only the fields both readers load
    are used. `home_policy` is a RegionalPolicy (or anything with its pk and
    shares), None when the insured region has none for the year; `registration`
    is (kind, destination province id) of the registration in force on `day`."""
    home, there = person.region, facility.region
    insurance_type = person.insurance_type
    non_local = home.pk != there.pk
    cross_province = home.province_id != there.province_id
    outpatient = visit == Visit.OUTPATIENT
    # F4: the treatment location's directory (its class-B share), the insured
    # location's policy (rates, deductibles, caps, reductions).
    if there_class_b_share is not None:
        class_b_share = there_class_b_share
    elif home_policy is not None:
        class_b_share = home_policy.class_b_share
    elif default_class_b_share is not None:
        class_b_share = default_class_b_share
    else:
        class_b_share = ClaimsSettings.current().default_class_b_share
    designated_required = designated_facility_rule_applies(
        visit=visit,
        insurance_type=insurance_type,
        province_requires=home.province.designated_facility_required,
    )
    kind = NO_REGISTRATION
    # A registration for a destination covers care anywhere in that province
    # (registrations are filed per province in most places).
    if non_local and registration is not None and registration[1] == there.province_id:
        kind = registration[0]
    return Facts(
        day=day,
        visit=visit,
        insurance_type=insurance_type,
        tier=facility.tier or 0,
        outpatient_pooling=facility.outpatient_pooling,
        chronic_settlement_facility=facility.chronic_settlement,
        non_local=non_local,
        cross_province=cross_province,
        designated_required=designated_required,
        is_designated=designated_required
        and designated_facility_id is not None
        and designated_facility_id == facility.pk,
        disease_id=disease_id,
        recognised=outpatient and disease_id is not None and recognised,
        disease_cross_province=cross_province
        and outpatient
        and disease_id is not None
        and on_cross_province_list(
            cross_province=disease_cross_province, since=disease_cross_province_since, day=day
        ),
        registration=kind,
        emergency=emergency,
        class_b_share=class_b_share,
        referral_reduction=home_policy.referral_reduction if home_policy else ZERO,
        other_reduction=home_policy.other_temporary_reduction if home_policy else ZERO,
        rules=rules,
        policy_id=home_policy.pk if home_policy else None,
    )


def _rules_prefetch(insurance_type: str) -> Prefetch:
    return Prefetch(
        "rules",
        queryset=PolicyRule.objects.filter(insurance_type=insurance_type),
        to_attr="prefetched_rules",
    )


def decide(facts: Facts) -> Decision:
    """Which policy row, which reduction, and whether the fund pays (pure)."""
    care_type, notes = _care_type(facts)
    reduction, note = _reduction(facts)
    if note:
        notes.append(note)
    refusal = ""
    if care_type == CareType.GENERAL_OUTPATIENT:
        if not facts.outpatient_pooling:
            refusal = "F1-01"
        elif facts.designated_required and not facts.is_designated:
            refusal = "F2-01"
    rule = facts.rules.get((care_type, facts.tier))
    if rule is None and not refusal:
        refusal = "C3-03"
    return Decision(care_type, rule, reduction, refusal, tuple(notes))


def _care_type(facts: Facts) -> tuple[str, list[str]]:
    """The care type the bill is paid as, with the C5 note that says why."""
    if facts.visit == Visit.INPATIENT:
        return CareType.INPATIENT, []
    if facts.disease_id is None:
        return CareType.GENERAL_OUTPATIENT, []
    if not facts.recognised:
        return CareType.GENERAL_OUTPATIENT, ["C5-02"]
    # C5: cross-province chronic care covers only the national list's diseases,
    # and needs recognition at home, a non-local registration and a facility
    # flagged for chronic-disease settlement.
    if facts.cross_province and not facts.disease_cross_province:
        return CareType.GENERAL_OUTPATIENT, ["C5-04"]
    if facts.cross_province and (
        facts.registration == NO_REGISTRATION or not facts.chronic_settlement_facility
    ):
        return CareType.GENERAL_OUTPATIENT, ["C5-03"]
    return CareType.CHRONIC_OUTPATIENT, ["C5-01"]


def _reduction(facts: Facts) -> tuple[Decimal, str]:
    """The non-local rate reduction (F4) and its note; none for local care."""
    if not facts.non_local:
        return ZERO, ""
    kind = facts.registration
    if kind in NonLocalRegistration.LONG_TERM_KINDS:
        return ZERO, "F4-01"
    if kind in (NonLocalRegistration.Kind.REFERRAL, NonLocalRegistration.Kind.EMERGENCY):
        return facts.referral_reduction, "F4-02"
    if kind == NonLocalRegistration.Kind.OTHER_TEMPORARY:
        return facts.other_reduction, "F4-03"
    if facts.emergency:
        # F4: emergencies count as registered.
        return facts.referral_reduction, "F4-02"
    return facts.other_reduction, "F4-04"


def settlement_input(
    *,
    lines,
    items: dict,
    facts: Facts,
    decision: Decision,
    deductible_used: Decimal = ZERO,
    cap_used: Decimal = ZERO,
) -> SettlementInput:
    """The pure calculation's input. `lines` are (code, quantity, unit_price);
    `items` maps codes to their directory item (anything with item_class and
    price_limit: a DirectoryItem or load.ItemRow)."""
    line_inputs = []
    for code, quantity, unit_price in lines:
        item = items.get(code)
        line_inputs.append(
            LineIn(
                code=code,
                quantity=Decimal(quantity),
                unit_price=Decimal(unit_price),
                item_class=item.item_class if item else None,
                price_limit=item.price_limit if item else None,
            )
        )
    rule = decision.rule
    return SettlementInput(
        lines=tuple(line_inputs),
        class_b_share=facts.class_b_share,
        rule=None
        if rule is None
        else RuleIn(
            deductible=rule.deductible,
            rate=rule.rate,
            annual_cap=rule.annual_cap,
            deductible_per_bill=rule.deductible_scope == PolicyRule.DeductibleScope.BILL,
        ),
        rate_reduction=decision.rate_reduction,
        deductible_used=deductible_used,
        cap_used=cap_used,
        refusal=decision.refusal,
        notes=decision.notes,
    )


def year_totals(*, person: InsuredPerson, year: int) -> dict[str, PersonYearTotals]:
    """The running totals of a year by care type (unlocked; for the estimate)."""
    return {t.care_type: t for t in PersonYearTotals.objects.filter(person=person, year=year)}
