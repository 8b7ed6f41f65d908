"""Money messages written by daily jobs (the message centre)."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from accounts.models import (
    DependentBinding,
    InsuranceType,
    InsuredPerson,
    MessageKind,
    PersonStatus,
)
from accounts.services import message_send_once
from core import clock
from wallet.models import Payment, PremiumRate


def premiums_due_notify(*, year: int | None = None) -> int:
    """P3/W11: tell the family of each active resident whose premium for `year`
    (a rate is set for their region, or the national default) is not paid yet —
    once a year, however often the daily job runs. Returns how many persons."""
    year = year or clock.localdate().year
    rates = dict(PremiumRate.objects.filter(year=year).values_list("region_id", "amount"))
    if not rates:
        return 0
    residents = InsuredPerson.objects.filter(
        insurance_type=InsuranceType.RESIDENT, status=PersonStatus.ACTIVE
    )
    if None not in rates:
        residents = residents.filter(region_id__in=[r for r in rates if r is not None])
    someone_hears = Q(user__isnull=False) | Exists(
        DependentBinding.objects.filter(
            person=OuterRef("pk"), status=DependentBinding.Status.ACTIVE
        )
    )
    unpaid = residents.filter(someone_hears).exclude(
        Exists(Payment.objects.filter(reference=_reference(OuterRef("pk"), year)))
    )
    told = 0
    for person in unpaid.order_by("pk").iterator(chunk_size=500):
        told += message_send_once(
            key=f"premium_due:{person.pk}:{year}",
            kind=MessageKind.PREMIUM_DUE,
            to_family_of=person,
            facts={
                "person": person.name,
                "year": year,
                "amount": rates.get(person.region_id, rates.get(None)),
            },
            link=reverse("wallet:index"),
            important=True,
        )
    return told


def _reference(person_id, year: int):
    from django.db.models import CharField, Value
    from django.db.models.functions import Concat

    return Concat(Value("premium:"), person_id, Value(f":{year}"), output_field=CharField())
