"""Bills a user may see (their own and their active dependents', A3) and the
family page's bill card."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts import selectors as accounts_selectors
from claims.models import Bill, ChronicRecognition, Disease
from claims.settlement.calc import SettlementInput, SettlementResult, calculate
from core.db import prepared_cursor, set_based


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


def _columns(model, alias: str) -> tuple[str, list[str]]:
    """A model's columns for a hand-written SELECT, and their attnames (from_db)."""
    fields = model._meta.concrete_fields
    return ", ".join(f"{alias}.{f.column}" for f in fields), [f.attname for f in fields]


_RECOGNITION_COLUMNS, _RECOGNITION_FIELDS = _columns(ChronicRecognition, "r")
_DISEASE_COLUMNS, _DISEASE_FIELDS = _columns(Disease, "d")
_CARDS_SQL_TEMPLATE = """
SELECT p.id, b.n, b.total, b.fund, b.personal, {recognition}, {disease}
FROM unnest(%(ids)s::bigint[]) AS p (id)
CROSS JOIN LATERAL (
    SELECT count(*) AS n, sum(total) AS total, sum(fund_paid) AS fund,
           sum(personal_total) AS personal
    FROM claims_bill
    WHERE person_id = p.id AND status = 'settled'
      AND settled_on BETWEEN %(first)s AND %(last)s
) b
LEFT JOIN claims_chronicrecognition r
       ON r.person_id = p.id AND r.status = 'approved'
      AND r.valid_from <= %(today)s AND r.valid_until >= %(today)s
LEFT JOIN claims_disease d ON d.id = r.disease_id
ORDER BY p.id, r.applied_at DESC, r.id DESC
"""
# One fixed text, prepared once per connection.
_CARDS_SQL = _CARDS_SQL_TEMPLATE.format(recognition=_RECOGNITION_COLUMNS, disease=_DISEASE_COLUMNS)


def family_cards(*, persons: list) -> dict[int, dict]:
    """This year's bills for each family member and the chronic recognitions in
    force, however many members: one hand-written statement on PostgreSQL (the
    family page is read on every visit, and compiling the ORM's two queries
    cost more than running them), two ORM queries elsewhere."""
    today = timezone.localdate()
    ids = [person.pk for person in persons]
    cards = {
        pk: {
            "year": today.year,
            "bills": 0,
            "total": None,
            "fund": None,
            "personal": None,
            "chronic": [],
        }
        for pk in ids
    }
    if not ids:
        return cards
    if set_based():
        first, last = _year_range(today.year)
        with prepared_cursor() as cursor:
            cursor.execute(_CARDS_SQL, {"ids": ids, "first": first, "last": last, "today": today})
            rows = cursor.fetchall()
        db = connection.alias
        nr = len(_RECOGNITION_FIELDS)
        for row in rows:
            card = cards[row[0]]
            if row[1]:
                card.update(bills=row[1], total=row[2], fund=row[3], personal=row[4])
            if row[5] is not None:
                recognition = ChronicRecognition.from_db(db, _RECOGNITION_FIELDS, row[5 : 5 + nr])
                recognition.disease = Disease.from_db(db, _DISEASE_FIELDS, row[5 + nr :])
                card["chronic"].append(recognition)
        return cards
    rows = (
        Bill.objects.filter(
            person_id__in=ids,
            status=Bill.Status.SETTLED,
            settled_on__range=_year_range(today.year),
        )
        .values("person_id")
        .annotate(
            n=Count("pk"),
            total=Sum("total"),
            fund=Sum("fund_paid"),
            personal=Sum("personal_total"),
        )
    )
    for row in rows:
        cards[row["person_id"]].update(
            bills=row["n"], total=row["total"], fund=row["fund"], personal=row["personal"]
        )
    recognitions = ChronicRecognition.objects.filter(
        person_id__in=ids,
        status=ChronicRecognition.Status.APPROVED,
        valid_from__lte=today,
        valid_until__gte=today,
    ).select_related("disease")
    for recognition in recognitions:
        cards[recognition.person_id]["chronic"].append(recognition)
    return cards
