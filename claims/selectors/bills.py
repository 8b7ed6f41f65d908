"""Bills a user may see (their own and their active dependents', A3) and the
family page's bill card."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import selectors as accounts_selectors
from claims.models import Bill, ChronicRecognition
from claims.selectors.glance import year_at_a_glance
from claims.settlement.calc import SettlementInput, SettlementResult, calculate


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def bills_for_user(*, user, person_id=None, year: int | None = None) -> QuerySet[Bill]:
    """The bills of the persons `user` may see, newest first."""
    persons = accounts_selectors.persons_for_user(user=user).values("pk")
    bills = Bill.objects.filter(person__in=persons).select_related("person", "facility")
    if person_id is not None:
        bills = bills.filter(person_id=person_id)
    if year is not None:
        bills = bills.filter(service_date__range=_year_range(year))
    return bills.order_by("-service_date", "-pk")


def bill_for_user(*, user, bill_id) -> Bill:
    """One bill the user may see, or 404 for anybody else's (never 403)."""
    try:
        return (
            bills_for_user(user=user)
            .select_related("facility__region", "disease", "policy_rule", "payment__pooling_from")
            .prefetch_related("lines")
            .get(pk=bill_id)
        )
    except (Bill.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def bill_recompute(bill: Bill) -> SettlementResult:
    """Re-derive a settled bill's result from the inputs stored with it (the
    settlement is deterministic: the result must equal the stored figures)."""
    return calculate(SettlementInput.from_json(bill.inputs))


def family_cards(*, persons: list) -> dict[int, dict]:
    """This year's costs for each family member, in four queries however many
    members: this year at a glance (totals, deductible and cap, see glance.py)
    and the chronic recognitions in force."""
    today = timezone.localdate()
    family = year_at_a_glance(persons=persons, year=today.year)
    cards = {
        pk: {
            "year": today.year,
            "bills": glance.bills,
            "total": glance.total if glance.bills else None,
            "fund": glance.fund_paid if glance.bills else None,
            "personal": glance.personal if glance.bills else None,
            "glance": glance,
            "chronic": [],
        }
        for pk, glance in family.people.items()
    }
    if not cards:
        return cards
    ids = list(cards)
    recognitions = ChronicRecognition.objects.filter(
        person_id__in=ids,
        status=ChronicRecognition.Status.APPROVED,
        valid_from__lte=today,
        valid_until__gte=today,
    ).select_related("disease")
    for recognition in recognitions:
        cards[recognition.person_id]["chronic"].append(recognition)
    return cards
