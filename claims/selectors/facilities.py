"""Facility search (F1): "which hospitals near my parent accept the wallet or
settle chronic diseases?"."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import selectors as accounts_selectors
from accounts.models import Facility, InsuredPerson, Region
from core import clock

FLAGS = (
    "outpatient_pooling",
    "designated_outpatient",
    "cross_province_direct",
    "chronic_settlement",
    "wallet_payment",
)


def region_near(*, person: InsuredPerson) -> Region:
    """Where a person gets care: the destination of their non-local registration
    in force (F3), else their insured region."""
    registration = accounts_selectors.registration_on(person=person, day=clock.localdate())
    if registration is not None:
        return registration.destination
    return person.region


def facility_search(
    *,
    region: Region | None = None,
    kind: str = "",
    tier: int | None = None,
    flags=(),
    text: str = "",
) -> QuerySet[Facility]:
    facilities = Facility.objects.select_related("region__province")
    if region is not None:
        facilities = facilities.filter(region=region)
    if kind:
        facilities = facilities.filter(kind=kind)
    if tier:
        facilities = facilities.filter(tier=tier)
    for flag in flags:
        if flag in FLAGS:
            facilities = facilities.filter(**{flag: True})
    if text:
        facilities = facilities.filter(name__icontains=text)
    return facilities.order_by("region__code", "kind", "-tier", "name")
