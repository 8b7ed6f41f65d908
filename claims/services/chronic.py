"""Chronic and special disease recognition (C5)."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Facility, InsuredPerson, MessageKind
from accounts.services import message_send
from claims.actions import Action
from claims.models import ChronicRecognition, ClaimsSettings, Disease
from core import clock
from core.audit import audit_record
from core.reasons import Refusal
from core.transitions import transition


def _check_at_home(*, person: InsuredPerson, hospital: Facility) -> None:
    if hospital.region.province_id != person.region.province_id:
        # C5: a recognition is made at home (the insured location); cross-province
        # use then follows from it, never the other way round.
        raise Refusal("C5-10")


@transaction.atomic
def recognition_apply(
    *,
    person: InsuredPerson,
    disease: Disease,
    hospital: Facility,
    diagnosis: str,
    acting_user,
) -> ChronicRecognition:
    """A person (or the user for a dependent) applies for recognition of a chronic
    or special disease at a hospital (C5). An administrator decides."""
    if hospital.kind != Facility.Kind.HOSPITAL:
        raise Refusal("C5-11")
    _check_at_home(person=person, hospital=hospital)
    today = clock.localdate()
    if ChronicRecognition.objects.filter(
        person=person,
        disease=disease,
        status=ChronicRecognition.Status.APPROVED,
        valid_until__gte=today,
    ).exists():
        raise Refusal("C5-12")
    try:
        with transaction.atomic():
            recognition = ChronicRecognition.objects.create(
                person=person,
                disease=disease,
                hospital=hospital,
                diagnosis=diagnosis.strip(),
                applied_by=acting_user if acting_user and acting_user.is_authenticated else None,
            )
    except IntegrityError:
        raise Refusal("C5-13") from None
    audit_record(
        actor=acting_user,
        action=Action.CHRONIC_APPLY,
        person=person,
        target=recognition,
        details={"disease": disease.code, "hospital": hospital.code},
    )
    return recognition


@transaction.atomic
def recognition_approve(
    *,
    recognition: ChronicRecognition,
    acting_user,
    valid_from: datetime.date | None = None,
    note: str = "",
) -> ChronicRecognition:
    """Approve a recognition (C5): valid from `valid_from` (today) for the number
    of years in the claims settings (2 by default)."""
    start = valid_from or clock.localdate()
    years = ClaimsSettings.current().chronic_validity_years
    approved = transition(
        recognition,
        to=ChronicRecognition.Status.APPROVED,
        actor=acting_user,
        action=Action.CHRONIC_APPROVE,
        person=lambda r: r.person,
        refuse=lambda r: Refusal("C5-14"),
        # C5 again at the decision: the patient may have moved their insurance to
        # another province since applying (or the application predates the rule).
        check=lambda r: _check_at_home(person=r.person, hospital=r.hospital),
        changes={
            "valid_from": start,
            "valid_until": start + relativedelta(years=years) - datetime.timedelta(days=1),
            "decided_at": clock.now(),
            "decided_by": acting_user,
            "decision_note": note,
        },
        details=lambda r: {"valid_until": r.valid_until.isoformat()},
    )
    _tell(
        approved,
        MessageKind.CHRONIC_APPROVED,
        acting_user,
        until=approved.valid_until.isoformat(),
    )
    return approved


def recognition_refuse(
    *, recognition: ChronicRecognition, acting_user, note: str
) -> ChronicRecognition:
    """Refuse a recognition (C5), with the reason the applicant will read."""
    if not note.strip():
        raise Refusal("C5-15")
    refused = transition(
        recognition,
        to=ChronicRecognition.Status.REFUSED,
        actor=acting_user,
        action=Action.CHRONIC_REFUSE,
        person=lambda r: r.person,
        refuse=lambda r: Refusal("C5-14"),
        changes={
            "decided_at": clock.now(),
            "decided_by": acting_user,
            "decision_note": note.strip(),
        },
        details={"note": note.strip()},
    )
    _tell(refused, MessageKind.CHRONIC_REFUSED, acting_user, note=refused.decision_note)
    return refused


def _tell(recognition: ChronicRecognition, kind: str, acting_user, **facts) -> None:
    """The applicant and the patient's family hear the decision (message centre,
    once committed); the administrator who decided does not."""
    message_send(
        kind=kind,
        user_ids=[recognition.applied_by_id],
        to_family_of=recognition.person,
        exclude=acting_user,
        facts={
            "person": recognition.person.name,
            "disease": recognition.disease.name,
            "disease_en": recognition.disease.name_en,
            **facts,
        },
        link=reverse("claims:chronic"),
    )
