"""Bills a user may see (their own and their active dependents', A3) and the
family page's bill card."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from accounts import selectors as accounts_selectors
from claims.models import Bill, ChronicRecognition, Disease, Refund
from claims.selectors.glance import year_at_a_glance_read
from claims.settlement.calc import SettlementInput, SettlementResult, calculate
from claims.sql import family as family_sql
from core import clock
from core.reads import Read
from core.sql import columns


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


def bills_totals(bills: QuerySet[Bill]) -> dict:
    """What these bills' settled ones came to: how many, the total, the fund's
    part and the family's (the bills list's line for the year)."""
    return bills.filter(status=Bill.Status.SETTLED).aggregate(
        count=Count("pk"),
        total=Sum("total"),
        fund=Sum("fund_paid"),
        personal=Sum("personal_total"),
    )


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


def bill_refunds(bill: Bill) -> list[Refund]:
    """R6: the refunds carried out on a bill, oldest first (its page lists them)."""
    return list(bill.refunds.filter(status=Refund.Status.DONE).order_by("done_at", "pk"))


def bill_recompute(bill: Bill) -> SettlementResult:
    """Re-derive a settled bill's result from the inputs stored with it (the
    settlement is deterministic: the result must equal the stored figures)."""
    return calculate(SettlementInput.from_json(bill.inputs))


def family_cards(*, persons: list) -> dict[int, dict]:
    """This year's costs for each family member, in two queries however many
    members: this year at a glance (totals,
    deductible and cap, see glance.py) and the chronic recognitions in force."""
    if not persons:
        return {}
    return family_cards_read(persons=persons).run()


def family_cards_read(*, persons: list) -> Read:
    """family_cards as a read of its two statements (core.reads.read_together: the
    home page reads them with the other apps' cards in one round trip). For at
    least one person."""
    today = clock.localdate()
    glance = year_at_a_glance_read(persons=persons, year=today.year)
    recognitions = (
        family_sql.RECOGNITIONS.text,
        {
            "ids": [p.pk for p in persons],
            "day": today,
            "approved": ChronicRecognition.Status.APPROVED.value,
        },
    )

    def build(glance_rows, recognition_rows) -> dict[int, dict]:
        family = glance.build(glance_rows)
        return _cards(today, family, _recognitions(recognition_rows))

    return Read((*glance.statements, recognitions), build)


def _cards(today, family, recognitions: list[ChronicRecognition]) -> dict[int, dict]:
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
    for recognition in recognitions:
        cards[recognition.person_id]["chronic"].append(recognition)
    for card in cards.values():
        # Everything the card shows (claims/_family_card.html), as one value: the
        # glance's every field (its repr) and each recognition's disease and end.
        # The page draws a card once per process for each such value ({% memo %}).
        card["drawn_from"] = repr(
            (
                card["glance"],
                [
                    (r.disease_id, r.disease.name, r.disease.name_en, r.valid_until)
                    for r in card["chronic"]
                ],
            )
        )
    return cards


_RECOGNITION_FIELDS = columns(ChronicRecognition)
_DISEASE_FIELDS = columns(Disease)


def _recognitions(rows: list) -> list[ChronicRecognition]:
    """The approved recognitions valid on the day (C5), with their disease, from
    the rows of a prepared statement (claims/sql/family.py; the family page reads
    it on every visit)."""
    db = connection.alias
    found = []
    for row in rows:
        recognition = ChronicRecognition.from_db(
            db, _RECOGNITION_FIELDS, row[: len(_RECOGNITION_FIELDS)]
        )
        recognition.disease = Disease.from_db(db, _DISEASE_FIELDS, row[len(_RECOGNITION_FIELDS) :])
        found.append(recognition)
    return found


def bills_settled_count(*, bill_ids: list[int]) -> int:
    """How many of these bills are settled (a background settlement's progress)."""
    return Bill.objects.filter(pk__in=bill_ids, status=Bill.Status.SETTLED).count()
