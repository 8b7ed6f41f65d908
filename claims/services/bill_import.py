"""Bills imported from CSV or .xlsx (C6), one row per bill line: read the rows and
what they name → check each bill (pure: problems by row, or a draft) → create
the good bills → settle them. Rows sharing a `reference` make one bill; a bill
with any bad row is not imported (its rows are all reported)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils.translation import gettext as _

from accounts.models import Facility, InsuredPerson
from claims.models import Bill, Disease
from claims.services.imports import (
    AMOUNT_DIGITS,
    BILL_COLUMNS,
    CODE_LENGTH,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_LENGTH,
    VISIT_ALIASES,
    ImportReport,
    _decimal,
    _number_problem,
    read_table,
)
from claims.services.refund_import import is_refund, refunds_import

REQUIRED = (
    "reference",
    "national_id",
    "facility_code",
    "service_date",
    "visit",
    "item_code",
    "quantity",
    "unit_price",
)
# A line's columns that must repeat the bill's first row.
SAME_AS_FIRST = ("national_id", "facility_code", "service_date", "visit")
YES = {"1", "yes", "true", "是"}


@dataclass
class Known:
    """What the file's rows name, read once: persons, facilities, diseases and
    the references imported before."""

    persons: dict[str, InsuredPerson]
    facilities: dict[str, Facility]
    diseases: dict[str, Disease]
    taken: set[str]


@dataclass
class Draft:
    """A bill whose every row is good, ready to create."""

    reference: str
    row: int  # its first row in the file
    person: InsuredPerson
    facility: Facility
    visit: str
    service_date: datetime.date
    settled_on: datetime.date | None
    disease: Disease | None
    first: dict
    lines: list[dict] = field(default_factory=list)


def bill_import(*, data: bytes | str, acting_user, settle: bool = True) -> ImportReport:
    """Import bills; a reference already imported is refused, so a file can be
    uploaded again after fixing its errors. With `settle`, the imported bills
    are settled at once (bills_settle_many); a bill that cannot be settled stays
    imported, entered, and its first row says why."""
    rows = read_table(data, columns=BILL_COLUMNS, required=REQUIRED)
    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, row in rows:
        groups.setdefault(row.get("reference", ""), []).append((number, row))
    report = ImportReport()
    # R1: rows with a refund quantity refund a bill imported before.
    refunds = {ref: members for ref, members in groups.items() if is_refund(members)}
    if refunds:
        refunds_import(refunds, acting_user=acting_user, report=report)
        groups = {ref: members for ref, members in groups.items() if ref not in refunds}
    known = _known(rows, groups)
    drafts = []
    for reference, members in groups.items():
        problems, draft = bill_check(reference, members, known)
        for number, message in problems:
            report.error(number, message)
        if draft is not None:
            drafts.append(draft)
    first_rows = _create(drafts, acting_user=acting_user, report=report)
    if settle and report.bills:
        _settle(report, first_rows, acting_user=acting_user)
    return report


def _known(rows, groups) -> Known:
    national_ids = {row.get("national_id", "").upper() for _number, row in rows}
    codes = {row.get("facility_code", "") for _number, row in rows}
    return Known(
        persons={
            p.national_id: p
            for p in InsuredPerson.objects.filter(national_id__in=national_ids).select_related(
                "region__province"
            )
        },
        facilities={
            f.code: f
            for f in Facility.objects.filter(code__in=codes).select_related("region__province")
        },
        diseases={d.code: d for d in Disease.objects.all()},
        taken=set(
            Bill.objects.filter(reference__in=list(groups)).values_list("reference", flat=True)
        ),
    )


def bill_check(reference: str, members, known: Known) -> tuple[list, Draft | None]:
    """One bill's rows checked (pure): ([(row, problem)], the draft or None)."""
    refused = _refused(reference, known)
    if refused:
        return [(number, refused) for number, _row in members], None
    first_number, first = members[0]
    head, draft = _head(reference, first_number, first, known)
    problems = [(first_number, "; ".join(head))] if head else []
    lines, line_problems = _lines(members, first)
    problems += line_problems
    if problems or draft is None:
        return problems, None
    draft.lines = lines
    return [], draft


def _refused(reference: str, known: Known) -> str:
    if not reference or len(reference) > REFERENCE_LENGTH:
        return _("the reference is empty or longer than %(n)d characters") % {"n": REFERENCE_LENGTH}
    if reference in known.taken:
        return _("bill %(ref)s was imported before") % {"ref": reference}
    return ""


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _head(reference, number, first, known: Known) -> tuple[list[str], Draft | None]:
    """The bill's own facts from its first row: problems, and the draft."""
    person = known.persons.get(first.get("national_id", "").upper())
    facility = known.facilities.get(first.get("facility_code", ""))
    visit = VISIT_ALIASES.get(first.get("visit", "").lower())
    disease_code = first.get("disease_code", "")
    disease = known.diseases.get(disease_code) if disease_code else None
    service_date = _date(first.get("service_date", ""))
    settled_on = _date(first["settled_on"]) if first.get("settled_on") else None
    checks = [
        (person is None, _("no insured person has this ID number")),
        (facility is None, _("no facility has this code")),
        (visit is None, _("visit must be outpatient or inpatient")),
        (bool(disease_code) and disease is None, _("no chronic disease has this code")),
        (service_date is None, _("the date must look like 2026-03-31")),
        (
            bool(first.get("settled_on")) and settled_on is None,
            _("the settlement date must look like 2026-03-31"),
        ),
        (
            bool(service_date and settled_on and settled_on < service_date),
            _("the settlement date is before the date of care"),
        ),
    ]
    problems = [str(message) for failed, message in checks if failed]
    if problems:
        return problems, None
    draft = Draft(
        reference, number, person, facility, visit, service_date, settled_on, disease, first
    )
    return [], draft


def _lines(members, first) -> tuple[list[dict], list[tuple[int, str]]]:
    """The bill's lines, and the problems of its rows."""
    lines, problems = [], []
    total = Decimal(0)
    for number, row in members:
        found = [
            _("%(column)s differs from the bill's first row") % {"column": column}
            for column in SAME_AS_FIRST
            if row.get(column, "").upper() != first.get(column, "").upper()
        ]
        if not row.get("item_code") or len(row["item_code"]) > CODE_LENGTH:
            found.append(
                _("the item code is empty or longer than %(n)d characters") % {"n": CODE_LENGTH}
            )
        line, problem = _line(row)
        if problem:
            found.append(problem)
        else:
            total += line["quantity"] * line["unit_price"]
            if total >= Decimal(10) ** AMOUNT_DIGITS:
                found.append(_("the bill's amount is too large"))
        if found:
            problems.append((number, "; ".join(str(p) for p in found)))
        else:
            lines.append(line)
    return lines, problems


def _line(row) -> tuple[dict, str]:
    try:
        quantity = _decimal(
            row.get("quantity", ""),
            digits=QUANTITY_DIGITS,
            places=QUANTITY_PLACES,
            column="quantity",
        )
        price = _decimal(row.get("unit_price", ""), column="unit_price")
    except ValueError as exc:
        return {}, _number_problem(exc)
    name = row.get("item_name", "")[:120]
    return {"code": row["item_code"], "name": name, "quantity": quantity, "unit_price": price}, ""


def _create(drafts: list[Draft], *, acting_user, report: ImportReport) -> dict[int, int]:
    """Create each good bill in a savepoint of its own; {bill id: first row}."""
    from claims.services.bills import bill_create

    first_rows = {}
    for draft in drafts:
        try:
            with transaction.atomic():
                bill = bill_create(
                    person=draft.person,
                    facility=draft.facility,
                    service_date=draft.service_date,
                    visit=draft.visit,
                    lines=draft.lines,
                    entered_by=acting_user,
                    disease=draft.disease,
                    diagnosis=draft.first.get("diagnosis", "")[:200],
                    emergency=draft.first.get("emergency", "").lower() in YES,
                    reference=draft.reference,
                )
        except ValidationError as exc:
            report.error(draft.row, "; ".join(exc.messages))
            continue
        except DataError:
            # A value the checks above let through but the database refuses:
            # this bill is rolled back (its savepoint), the others go on.
            report.error(draft.row, _("a value is too large or too long for the database"))
            continue
        report.created += 1
        report.bills.append(bill)
        first_rows[bill.pk] = draft.row
        if draft.settled_on is not None:
            report.settled_on[bill.pk] = draft.settled_on
    return first_rows


def _settle(report: ImportReport, first_rows: dict[int, int], *, acting_user) -> None:
    from claims.services.bills import bills_settle_many

    settled = bills_settle_many(
        bills=[bill.pk for bill in report.bills],
        acting_user=acting_user,
        settled_on=report.settled_on,
    )
    for bill, reason in settled.failed:
        report.error(
            first_rows[bill.pk],
            _("bill %(ref)s is imported but could not be settled: %(reason)s")
            % {"ref": bill.reference, "reason": reason},
        )
