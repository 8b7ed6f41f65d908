"""Non-local treatment registration (异地就医备案, RULES.md F3)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.actions import Action
from accounts.models import AccountsPolicy, InsuredPerson, NonLocalRegistration, Region
from core import clock
from core.audit import audit_record
from core.normalise import names_match
from core.reasons import Refusal
from core.transitions import transition

Kind = NonLocalRegistration.Kind
Proof = NonLocalRegistration.Proof

COMMITMENT_TEXT = _(
    "I, %(name)s, apply for non-local medical treatment registration in %(destination)s. "
    "I promise that I live or work there as stated, that the information I give is true "
    "and complete, and that I will provide the missing proof of residence if the "
    "insurance office asks for it. I accept responsibility, including repaying funds "
    "and legal consequences, if anything I stated is false."
)


def commitment_text(*, person: InsuredPerson, destination: Region | None) -> str:
    """The personal commitment letter (个人承诺书) the signer accepts (F3)."""
    return gettext(COMMITMENT_TEXT) % {
        "name": person.name,
        "destination": destination
        if destination is not None
        else gettext("the destination chosen above"),
    }


def registration_last_start() -> datetime.date:
    """The latest start date a registration may be filed with today (F3,
    REGISTRATION_MAX_DAYS_AHEAD)."""
    return clock.localdate() + datetime.timedelta(days=settings.REGISTRATION_MAX_DAYS_AHEAD)


def _check_not_too_far(start_date: datetime.date) -> None:
    last = registration_last_start()
    if start_date > last:
        raise Refusal(
            "F3-09",
            field="start_date",
            days=settings.REGISTRATION_MAX_DAYS_AHEAD,
            last=last.isoformat(),
        )


def registration_end(*, kind: str, start_date: datetime.date) -> datetime.date | None:
    """Long-term kinds are valid until changed (None); temporary kinds for
    `temporary_registration_months` (6) from the start date (F3)."""
    if kind in NonLocalRegistration.LONG_TERM_KINDS:
        return None
    months = AccountsPolicy.current().temporary_registration_months
    return start_date + relativedelta(months=months)


def _proof_checked(
    *, actor, person, destination, kind, proof, proof_document, commitment_accepted, commitment_name
) -> tuple[str, datetime.datetime | None, str]:
    """F3: a long-term kind's proof of residence or signed commitment letter;
    (the name signed, when, the letter's text) for a commitment."""
    if proof == Proof.RESIDENCE:
        if not proof_document:
            raise Refusal("F3-03", field="proof_document")
    elif proof == Proof.COMMITMENT:
        if not commitment_accepted:
            raise Refusal("F3-04", field="commitment_accepted")
        own = InsuredPerson.objects.filter(user=actor).only("name").first()
        allowed = [person.name] + ([own.name] if own is not None else [])
        if not any(names_match(commitment_name, name) for name in allowed):
            raise Refusal("F3-05", field="commitment_name", name=person.name)
        return (
            commitment_name.strip(),
            clock.now(),
            commitment_text(person=person, destination=destination),
        )
    elif kind in NonLocalRegistration.LONG_TERM_KINDS:
        raise Refusal("F3-07", field="proof")
    return "", None, ""


@transaction.atomic
def registration_file(
    *,
    actor,
    person: InsuredPerson,
    destination: Region,
    kind: str,
    start_date: datetime.date,
    proof: str,
    proof_document=None,
    commitment_accepted: bool = False,
    commitment_name: str = "",
) -> NonLocalRegistration:
    """File a non-local registration for `person` (F3).

    The destination is another pooling area; the start is today or later (an
    emergency may be registered afterwards, F4); a long-term kind needs a proof of
    residence or a signed commitment letter (承诺书: ticked and signed with the
    person's name, or the acting user's own name when filing for a relative).
    Overlapping active registrations of the same person are refused.
    """
    # Lock the person so two filings at once cannot both pass the overlap check.
    person = InsuredPerson.objects.select_for_update().select_related("region").get(pk=person.pk)
    if destination.pk == person.region_id:
        raise Refusal("F3-01", field="destination", region=str(person.region))
    if start_date < clock.localdate() and kind != Kind.EMERGENCY:
        raise Refusal("F3-06", field="start_date")
    signed_name, signed_at, signed_text = _proof_checked(
        actor=actor,
        person=person,
        destination=destination,
        kind=kind,
        proof=proof,
        proof_document=proof_document,
        commitment_accepted=commitment_accepted,
        commitment_name=commitment_name,
    )
    end_date = registration_end(kind=kind, start_date=start_date)

    overlapping = (
        NonLocalRegistration.objects.filter(
            person=person, status=NonLocalRegistration.Status.ACTIVE
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        .order_by("start_date")
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    clash = overlapping.first()
    if clash is not None:
        raise Refusal(
            "F3-02",
            field="start_date",
            kind=clash.get_kind_display(),
            start=clash.start_date.isoformat(),
        )
    _check_not_too_far(start_date)
    registration = NonLocalRegistration.objects.create(
        person=person,
        destination=destination,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        proof=proof,
        proof_document=proof_document if proof == Proof.RESIDENCE else "",
        commitment_signed_name=signed_name,
        commitment_signed_at=signed_at,
        commitment_text=signed_text,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=Action.REGISTRATION_FILE,
        person=person,
        target=registration,
        details={
            "kind": kind,
            "destination": destination.code,
            "start": start_date.isoformat(),
            "end": end_date.isoformat() if end_date else None,
            "proof": proof,
        },
    )
    return registration


def registration_cancel(*, actor, registration: NonLocalRegistration) -> NonLocalRegistration:
    """Cancel an active registration (F3: long-term ones last until changed)."""
    return transition(
        registration,
        to=NonLocalRegistration.Status.CANCELLED,
        actor=actor,
        action=Action.REGISTRATION_CANCEL,
        person=lambda r: r.person,
        related=("person",),
        refuse=lambda r: Refusal("F3-08"),
        changes={"cancelled_at": clock.now()},
        details=lambda r: {"kind": r.kind},
    )


# A registration ending within this many days is announced (setting, 30).
def _ending_notice_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "ACCOUNTS_REGISTRATION_NOTICE_DAYS", 30))


def registrations_ending_notify(*, today: datetime.date | None = None) -> int:
    """F3: tell the family of each person whose non-local registration ends
    within the notice period (30 days) — once per registration and end date,
    however often the daily job runs. Returns how many registrations it told."""
    from django.urls import reverse

    from accounts.models import MessageKind
    from accounts.services.messages import message_send_once

    today = today or clock.localdate()
    ending = (
        NonLocalRegistration.objects.filter(
            status=NonLocalRegistration.Status.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=_ending_notice_days()),
        )
        .select_related("person", "destination__province")
        .order_by("pk")
    )
    told = 0
    for registration in ending.iterator(chunk_size=500):
        told += message_send_once(
            key=f"registration_ending:{registration.pk}:{registration.end_date}",
            kind=MessageKind.REGISTRATION_ENDING,
            to_family_of=registration.person,
            facts={
                "person": registration.person.name,
                "destination": str(registration.destination),
                "end": registration.end_date.isoformat(),
            },
            link=reverse("accounts:registration_detail", args=[registration.pk]),
            important=True,
        )
    return told
