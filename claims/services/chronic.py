"""Chronic and special disease recognition (C5)."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Facility, InsuredPerson
from claims.models import ChronicRecognition, ClaimsSettings, Disease
from core.audit import audit_record
from core.reasons import Refusal


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
    today = timezone.localdate()
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
        action="claims.chronic_apply",
        person=person,
        target=recognition,
        details={"disease": disease.code, "hospital": hospital.code},
    )
    return recognition


def _pending(recognition_id: int) -> ChronicRecognition:
    recognition = ChronicRecognition.objects.select_for_update().get(pk=recognition_id)
    if recognition.status != ChronicRecognition.Status.PENDING:
        raise Refusal("C5-14")
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
    recognition = _pending(recognition.pk)
    # C5 again at the decision: the patient may have moved their insurance to
    # another province since applying (or the application predates the rule).
    _check_at_home(person=recognition.person, hospital=recognition.hospital)
    start = valid_from or timezone.localdate()
    years = ClaimsSettings.current().chronic_validity_years
    recognition.status = ChronicRecognition.Status.APPROVED
    recognition.valid_from = start
    recognition.valid_until = start + relativedelta(years=years) - datetime.timedelta(days=1)
    recognition.decided_at = timezone.now()
    recognition.decided_by = acting_user
    recognition.decision_note = note
    recognition.save(
        update_fields=[
            "status",
            "valid_from",
            "valid_until",
            "decided_at",
            "decided_by",
            "decision_note",
        ]
    )
    audit_record(
        actor=acting_user,
        action="claims.chronic_approve",
        person=recognition.person,
        target=recognition,
        details={"valid_until": recognition.valid_until.isoformat()},
    )
    return recognition


@transaction.atomic
def recognition_refuse(
    *, recognition: ChronicRecognition, acting_user, note: str
) -> ChronicRecognition:
    """Refuse a recognition (C5), with the reason the applicant will read."""
    if not note.strip():
        raise Refusal("C5-15")
    recognition = _pending(recognition.pk)
    recognition.status = ChronicRecognition.Status.REFUSED
    recognition.decided_at = timezone.now()
    recognition.decided_by = acting_user
    recognition.decision_note = note.strip()
    recognition.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        actor=acting_user,
        action="claims.chronic_refuse",
        person=recognition.person,
        target=recognition,
        details={"note": recognition.decision_note},
    )
    return recognition
