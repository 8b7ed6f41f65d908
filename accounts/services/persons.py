"""Insured persons (A1): claiming one's record at sign-up, the insurance QR code."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import national_id as nid
from accounts.actions import Action
from accounts.models import InsuredPerson, new_qr_token
from core.audit import audit_record
from core.normalise import names_match
from core.reasons import Refusal


def person_claimable(*, national_id: str, name: str, lock: bool = False) -> InsuredPerson:
    """The unclaimed record with this ID number and name, or a refusal next to the
    ID field (A1). Unknown ID and wrong name give the same answer, so a form does
    not reveal which ID numbers are on record."""
    try:
        normalized, _born, _sex = nid.parse(national_id)
    except ValidationError as exc:
        raise ValidationError({"national_id": exc.error_list}) from None
    persons = InsuredPerson.objects.filter(national_id=normalized)
    person = (persons.select_for_update() if lock else persons).first()
    if person is None or not names_match(name, person.name):
        raise Refusal("A1-01", field="national_id")
    if person.user_id is not None:
        raise Refusal("A1-02", field="national_id")
    return person


@transaction.atomic
def person_claim(*, user, national_id: str, name: str) -> InsuredPerson:
    """Link `user` to the insured record with this ID number and name (A1).

    One login, one person: the record must exist, the name must match, and no
    other login may hold it (see person_claimable).
    """
    normalized, _born, _sex = nid.parse(national_id)  # field errors for bad IDs
    if InsuredPerson.objects.filter(user=user).exists():
        raise Refusal("A1-04", field="national_id")
    # Lock the row so two sign-ups cannot both claim it.
    person = InsuredPerson.objects.select_for_update().filter(national_id=normalized).first()
    if person is None or not names_match(name, person.name):
        raise Refusal("A1-01", field="national_id")
    if person.user_id is not None:
        raise Refusal("A1-02", field="national_id")
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    audit_record(actor=user, action=Action.PERSON_CLAIM, person=person, target=person)
    return person


@transaction.atomic
def person_qr_rotate(*, actor, person: InsuredPerson) -> InsuredPerson:
    """Replace the opaque token behind the insurance QR code: a code shown or
    photographed earlier stops working."""
    person.qr_token = new_qr_token()
    person.save(update_fields=["qr_token", "updated_at"])
    audit_record(actor=actor, action=Action.PERSON_QR_ROTATE, person=person, target=person)
    return person
