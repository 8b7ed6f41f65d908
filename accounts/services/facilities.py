"""Designated outpatient facility (门诊统筹定点, RULES.md F2)."""

import datetime

from django.db import transaction

from accounts.actions import Action
from accounts.models import AccountsPolicy, DesignatedFacilityChoice, Facility, InsuredPerson
from core import clock
from core.audit import audit_record
from core.reasons import Refusal


@transaction.atomic
def facility_choose(
    *, actor, person: InsuredPerson, facility: Facility
) -> DesignatedFacilityChoice:
    """Choose or change `person`'s designated outpatient facility (F2).

    Only a designated facility in the person's insured region. A change takes
    effect `facility_change_delay_days` (1) later; a first choice, replacing
    nothing, applies today. Every choice is kept as history; the latest choice
    for a day wins, so changing your mind before tomorrow just replaces tomorrow.
    """
    # Lock the person so two changes at once cannot both compute "first choice".
    person = InsuredPerson.objects.select_for_update().select_related("region").get(pk=person.pk)
    if not facility.designated_outpatient:
        raise Refusal("F2-12", field="facility")
    if facility.region_id != person.region_id:
        raise Refusal("F2-11", field="facility", name=person.name, region=str(person.region))
    today = clock.localdate()
    choices = DesignatedFacilityChoice.objects.filter(person=person)
    latest = choices.order_by("-effective_from", "-pk").first()
    if latest is not None and latest.facility_id == facility.pk:
        raise Refusal("F2-13", field="facility")
    if latest is None:
        effective = today
    else:
        delay = AccountsPolicy.current().facility_change_delay_days
        effective = today + datetime.timedelta(days=delay)
    choice = DesignatedFacilityChoice.objects.create(
        person=person, facility=facility, effective_from=effective, chosen_by=actor
    )
    audit_record(
        actor=actor,
        action=Action.FACILITY_CHOOSE,
        person=person,
        target=choice,
        details={
            "facility": facility.code,
            "effective_from": effective.isoformat(),
            "previous": latest.facility.code if latest is not None else None,
        },
    )
    return choice
