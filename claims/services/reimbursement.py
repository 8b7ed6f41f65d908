"""Out-of-pocket reimbursement claims (M1–M5, S2): filed by the family, reviewed
and computed by a reviewer with the settlement's own rules, approved (by two
people above the four-eyes amount), paid by finance."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Facility, InsuredPerson, MessageKind
from accounts.services import message_send
from claims.actions import Action
from claims.models import ClaimsSettings, PersonYearTotals, ReimbursementClaim
from claims.models.reimbursement import ReimbursementDocument
from claims.settlement import facts as settlement_facts
from claims.settlement.calc import SettlementResult, calculate
from core import clock, four_eyes
from core.audit import audit_record
from core.reasons import Refusal
from core.transitions import lock, transition

Status = ReimbursementClaim.Status


@transaction.atomic
def claim_submit(
    *,
    person: InsuredPerson,
    facility: Facility,
    visit: str,
    why: str,
    care_from: datetime.date,
    care_until: datetime.date,
    amount_paid: Decimal,
    bank_name: str,
    bank_account: str,
    account_holder: str,
    invoices: list,
    expense_lists: list,
    acting_user,
) -> ReimbursementClaim:
    """M1: a claim for a visit the family paid in full, with its invoices and
    list of expenses (already checked by content: claims.forms). `person` is
    one of the acting user's family (the form offers no one else, A3)."""
    if not invoices or not expense_lists:
        raise Refusal("M1-01")
    if care_until < care_from:
        raise Refusal("M1-02")
    if care_until > clock.localdate():
        raise Refusal("M1-03")
    claim = ReimbursementClaim.objects.create(
        person=person,
        facility=facility,
        visit=visit,
        why=why,
        care_from=care_from,
        care_until=care_until,
        amount_paid=amount_paid,
        bank_name=bank_name.strip(),
        bank_account="".join(bank_account.split()),
        account_holder=account_holder.strip(),
        submitted_by=acting_user,
    )
    kinds = [(ReimbursementDocument.Kind.INVOICE, f) for f in invoices]
    kinds += [(ReimbursementDocument.Kind.EXPENSE_LIST, f) for f in expense_lists]
    for kind, upload in kinds:
        ReimbursementDocument.objects.create(claim=claim, kind=kind, file=upload)
    audit_record(
        actor=acting_user,
        action=Action.CLAIM_SUBMIT,
        person=person,
        target=claim,
        details={"facility": facility.code, "amount_paid": str(amount_paid)},
    )
    _tell(claim, MessageKind.CLAIM_SUBMITTED, exclude=None)
    return claim


def claim_review_start(*, claim: ReimbursementClaim, acting_user) -> ReimbursementClaim:
    """M2: a reviewer takes the claim; the family hears it is being reviewed."""
    started = transition(
        claim,
        to=Status.UNDER_REVIEW,
        actor=acting_user,
        action=Action.CLAIM_REVIEW,
        person=lambda c: c.person,
        refuse=lambda c: Refusal("M2-01"),
        changes={"reviewed_by": acting_user},
    )
    _tell(started, MessageKind.CLAIM_UNDER_REVIEW, exclude=acting_user)
    return started


def claim_figures(claim: ReimbursementClaim) -> tuple[SettlementResult, str]:
    """M3, M4: what the fund pays for the claim's lines, computed exactly as a
    bill of that visit would be settled (C1–C3, F1–F4; this year's deductible and
    cap already used count), with one difference: a non-local visit without a
    registration (and not an emergency) loses a further reduction (M4)."""
    person = InsuredPerson.objects.select_related("region__province").get(pk=claim.person_id)
    facility = Facility.objects.select_related("region").get(pk=claim.facility_id)
    day = claim.care_from
    facts = settlement_facts.gather(
        person=person, facility=facility, day=day, visit=claim.visit, emergency=claim.emergency
    )
    decision = settlement_facts.decide(facts)
    if "F4-04" in decision.notes:
        extra = ClaimsSettings.current().unregistered_claim_reduction
        decision = dataclasses.replace(
            decision,
            rate_reduction=decision.rate_reduction + extra,
            notes=(*decision.notes, "M4-01"),
        )
    lines = [(line.code, line.quantity, line.unit_price) for line in claim.lines.all()]
    items = settlement_facts.directory_items(day=day, codes=[code for code, _q, _p in lines])
    used = settlement_facts.year_totals(person=person, year=day.year).get(decision.care_type)
    data = settlement_facts.settlement_input(
        lines=lines,
        items=items,
        facts=facts,
        decision=decision,
        deductible_used=used.deductible_used if used else Decimal("0"),
        cap_used=used.fund_paid if used else Decimal("0"),
    )
    return calculate(data), decision.care_type


def _store_figures(claim: ReimbursementClaim, result: SettlementResult, care_type: str) -> None:
    claim.care_type = care_type
    claim.total = result.total
    claim.self_pay = result.self_pay
    claim.personal_in_directory = result.personal_in_directory
    claim.deductible = result.deductible
    claim.rate = result.rate
    claim.payable = result.fund_paid
    claim.reasons = list(dict.fromkeys(result.reasons))
    claim.computed_at = clock.now()


FIGURES = [
    "care_type",
    "total",
    "self_pay",
    "personal_in_directory",
    "deductible",
    "rate",
    "payable",
    "reasons",
    "computed_at",
]


@transaction.atomic
def claim_compute(*, claim: ReimbursementClaim, acting_user) -> ReimbursementClaim:
    """M3: (re)compute the payment after the reviewer entered or changed lines.
    A change of lines after an approval was prepared asks for a new one (S2)."""
    claim = lock(claim)
    if claim.status not in (Status.SUBMITTED, Status.UNDER_REVIEW):
        raise Refusal("M2-01")
    result, care_type = claim_figures(claim)
    before = claim.payable
    _store_figures(claim, result, care_type)
    if before != claim.payable:
        claim.prepared_by = None  # S2: the second person approves these figures
    claim.save(update_fields=[*FIGURES, "prepared_by"])
    audit_record(
        actor=acting_user,
        action=Action.CLAIM_COMPUTE,
        person=claim.person,
        target=claim,
        details={"payable": str(claim.payable), "reasons": claim.reasons},
    )
    return claim


def _not_own(claim: ReimbursementClaim, acting_user) -> None:
    # S2: nobody approves their own claim.
    if claim.submitted_by_id is not None and claim.submitted_by_id == acting_user.pk:
        raise PermissionDenied(_("You cannot approve a claim you filed yourself."))


@transaction.atomic
def claim_approve(*, claim: ReimbursementClaim, acting_user) -> ReimbursementClaim:
    """M3 and S2: approve what the fund pays, computed again now. Above the
    four-eyes amount the first approval only prepares the decision; a second
    member of staff approves it. The year's running totals then count it (C3)."""
    claim = lock(claim)
    _not_own(claim, acting_user)
    if claim.status != Status.UNDER_REVIEW:
        raise Refusal("M2-01")
    if not claim.lines.exists():
        raise Refusal("M3-01")
    result, care_type = claim_figures(claim)
    changed = result.fund_paid != claim.payable
    _store_figures(claim, result, care_type)
    if four_eyes.needs_second(result.fund_paid):
        if claim.prepared_by_id is None or changed:
            claim.prepared_by = acting_user
            claim.save(update_fields=[*FIGURES, "prepared_by"])
            audit_record(
                actor=acting_user,
                action=Action.CLAIM_PREPARE,
                person=claim.person,
                target=claim,
                details={"payable": str(claim.payable)},
            )
            return claim
        four_eyes.check_second(first=claim.prepared_by, second=acting_user)
    claim.save(update_fields=FIGURES)
    _count_in_totals(claim, result)
    approved = transition(
        claim,
        to=Status.APPROVED,
        actor=acting_user,
        action=Action.CLAIM_APPROVE,
        person=lambda c: c.person,
        locked=True,
        changes={"approved_by": acting_user, "decided_at": clock.now()},
        details=lambda c: {
            "payable": str(c.payable),
            "prepared_by": c.prepared_by_id,
        },
    )
    _tell(
        approved,
        MessageKind.CLAIM_APPROVED,
        exclude=acting_user,
        amount=approved.payable,
        account=approved.masked_account,
    )
    return approved


def _count_in_totals(claim: ReimbursementClaim, result: SettlementResult) -> None:
    """C3: a claim paid by the fund uses the deductible and the cap like a bill."""
    totals, _created = PersonYearTotals.objects.get_or_create(
        person_id=claim.person_id, year=claim.care_from.year, care_type=claim.care_type
    )
    totals = lock(totals)
    totals.deductible_used += result.deductible
    totals.fund_paid += result.fund_paid
    totals.save(update_fields=["deductible_used", "fund_paid"])


def claim_refuse(*, claim: ReimbursementClaim, acting_user, reason: str) -> ReimbursementClaim:
    """M2: refuse with a plain reason the family reads."""
    reason = reason.strip()
    if not reason:
        raise Refusal("M2-02")
    refused = transition(
        claim,
        to=Status.REFUSED,
        actor=acting_user,
        action=Action.CLAIM_REFUSE,
        person=lambda c: c.person,
        refuse=lambda c: Refusal("M2-01"),
        changes={"refusal_reason": reason, "decided_at": clock.now(), "reviewed_by": acting_user},
        details={"reason": reason},
    )
    _tell(refused, MessageKind.CLAIM_REFUSED, exclude=acting_user, note=reason)
    return refused


def claim_pay(*, claim: ReimbursementClaim, acting_user, reference: str) -> ReimbursementClaim:
    """M5: finance records the bank payment of an approved claim, with its
    reference (once only)."""
    reference = reference.strip()
    if not reference:
        raise Refusal("M5-01")
    try:
        with transaction.atomic():
            paid = transition(
                claim,
                to=Status.PAID,
                actor=acting_user,
                action=Action.CLAIM_PAY,
                person=lambda c: c.person,
                refuse=lambda c: Refusal("M2-01"),
                changes={
                    "payment_reference": reference,
                    "paid_at": clock.now(),
                    "paid_by": acting_user,
                },
                details=lambda c: {"payable": str(c.payable), "reference": reference},
            )
    except IntegrityError:
        raise Refusal("M5-02") from None
    _tell(
        paid,
        MessageKind.CLAIM_PAID,
        exclude=acting_user,
        amount=paid.payable,
        account=paid.masked_account,
        payment=reference,
    )
    return paid


def _tell(claim: ReimbursementClaim, kind: str, *, exclude, **facts) -> None:
    """M2: the user who filed and the patient's family hear of each step."""
    message_send(
        kind=kind,
        user_ids=[claim.submitted_by_id] if claim.submitted_by_id else [],
        to_family_of=claim.person,
        exclude=exclude,
        facts={"reference": claim.reference, "person": claim.person.name, **facts},
        link=claim.get_absolute_url(),
    )
