"""Imports for the admin: the directory (C1) and bills (C6) from CSV or .xlsx,
read by core.tabular like bulk activation's lists, each with a per-row error
report. Rows with errors are skipped and reported by their row number as the
spreadsheet shows it (the header is row 1); everything else is imported."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils.translation import gettext as _

from accounts.models import Facility, InsuredPerson
from claims.models import (
    Bill,
    BillLine,
    DirectoryItem,
    DirectoryVersion,
    Disease,
    ItemClass,
    ItemKind,
    Visit,
)
from core.audit import Action, audit_record
from core.money import AmountError, NotAnAmount, TooLarge, TooPrecise, parse_amount
from core.tabular import FileProblem, Table

DIRECTORY_COLUMNS = ("code", "name", "kind", "class", "unit", "price_limit", "typical_price")
BILL_COLUMNS = (
    "reference",
    "national_id",
    "facility_code",
    "service_date",
    "visit",
    "disease_code",
    "diagnosis",
    "emergency",
    "item_code",
    "item_name",
    "quantity",
    "unit_price",
    "settled_on",
)

KIND_ALIASES = {
    "drug": ItemKind.DRUG,
    "药品": ItemKind.DRUG,
    "service": ItemKind.SERVICE,
    "诊疗项目": ItemKind.SERVICE,
    "服务": ItemKind.SERVICE,
    "consumable": ItemKind.CONSUMABLE,
    "耗材": ItemKind.CONSUMABLE,
}
CLASS_ALIASES = {
    "a": ItemClass.A,
    "甲": ItemClass.A,
    "b": ItemClass.B,
    "乙": ItemClass.B,
    "out": ItemClass.OUT,
    "丙": ItemClass.OUT,
    "自费": ItemClass.OUT,
}
REFERENCE_LENGTH = Bill._meta.get_field("reference").max_length
CODE_LENGTH = BillLine._meta.get_field("code").max_length

VISIT_ALIASES = {
    "outpatient": Visit.OUTPATIENT,
    "门诊": Visit.OUTPATIENT,
    "inpatient": Visit.INPATIENT,
    "住院": Visit.INPATIENT,
}


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    bills: list[Bill] = field(default_factory=list)
    # The settlement date given in the file, by bill id (T2), for settling later.
    settled_on: dict[int, datetime.date] = field(default_factory=dict)

    def error(self, row: int, message: str) -> None:
        self.errors.append(RowError(row, message))


def read_table(data: bytes | str, *, columns: tuple[str, ...], required: tuple[str, ...]):
    """(row number, {column: text}) for every data row, read by the one streaming
    reader (core.tabular): CSV in UTF-8 with or without BOM, GBK/GB18030 or
    UTF-16, any line ending, or an .xlsx workbook — what bulk activation reads.
    Header names compare case-insensitively; unknown columns are ignored.
    Anything unreadable (a PDF, an old .xls, binary data, a broken quotation
    mark, a missing column) is refused with a ValidationError before any row is
    used, so an import never starts on it."""
    binary = io.BytesIO(data.encode("utf-8") if isinstance(data, str) else data)
    try:
        table = Table(binary, aliases={column: (column,) for column in columns}, required=required)
        return [(line, table.values(cells)) for line, cells in table]
    except FileProblem as problem:
        raise ValidationError(problem.message, code=problem.code) from None


# Integer digits the columns hold: quantity numeric(10, 3), prices numeric(12, 2),
# settled amounts numeric(14, 2).
QUANTITY_DIGITS, PRICE_DIGITS, AMOUNT_DIGITS = 7, 10, 12
# Decimal places the columns keep.
QUANTITY_PLACES = BillLine._meta.get_field("quantity").decimal_places
PRICE_PLACES = BillLine._meta.get_field("unit_price").decimal_places


def _decimal(
    value: str,
    *,
    allow_empty: bool = False,
    digits: int = PRICE_DIGITS,
    places: int = PRICE_PLACES,
    column: str = "",
):
    """A non-negative number as core.money.parse_amount reads it (strict: no
    exponent, NaN or stray commas; trailing zeros accepted, nothing rounded)."""
    if value == "" and allow_empty:
        return None
    try:
        number = parse_amount(value, places=places, whole_digits=digits)
        if number < 0:
            raise NotAnAmount(value)
    except AmountError as exc:
        exc.column = column  # named in the row's error
        raise
    return number


def _number_problem(exc: AmountError) -> str:
    if isinstance(exc, TooLarge):
        return _("%(value)s is too large") % {"value": exc.text}
    if isinstance(exc, TooPrecise):
        value, column, places = exc.text, getattr(exc, "column", ""), exc.places
        return _(
            "%(column)s %(value)s has more than %(places)d decimal places: give it with at "
            "most %(places)d (nothing is rounded on import)"
        ) % {"column": column, "value": value, "places": places}
    return _("%(value)s is not a number") % {"value": exc.text}


@transaction.atomic
def directory_import(*, version: DirectoryVersion, data: bytes | str, acting_user) -> ImportReport:
    """Load directory items into `version` from CSV (C1). A code already in the
    version is updated; a new code is added. Columns: code, name, kind
    (drug/service/consumable), class (A/B/OUT), unit, price_limit, typical_price."""
    rows = read_table(data, columns=DIRECTORY_COLUMNS, required=("code", "name", "kind", "class"))
    report = ImportReport()
    existing = {item.code: item for item in DirectoryItem.objects.filter(version=version)}
    seen: set[str] = set()
    to_create, to_update = [], []
    for number, row in rows:
        code, name = row.get("code", ""), row.get("name", "")
        problems = []
        if not code or len(code) > 30:
            problems.append(_("the code is empty or longer than 30 characters"))
        elif code in seen:
            problems.append(_("code %(code)s appears twice in the file") % {"code": code})
        if not name or len(name) > 120:
            problems.append(_("the name is empty or longer than 120 characters"))
        kind = KIND_ALIASES.get(row.get("kind", "").lower())
        if kind is None:
            problems.append(_("kind must be drug, service or consumable"))
        item_class = CLASS_ALIASES.get(row.get("class", "").lower())
        if item_class is None:
            problems.append(_("class must be A, B or OUT"))
        try:
            limit = _decimal(row.get("price_limit", ""), allow_empty=True, column="price_limit")
            typical = _decimal(
                row.get("typical_price", ""), allow_empty=True, column="typical_price"
            )
        except (TooLarge, TooPrecise) as exc:
            problems.append(_number_problem(exc))
            limit = typical = None
        except ValueError as exc:
            problems.append(_("%(value)s is not a price") % {"value": exc.args[0]})
            limit = typical = None
        if problems:
            report.error(number, "; ".join(str(p) for p in problems))
            continue
        seen.add(code)
        values = {
            "name": name,
            "kind": kind,
            "item_class": item_class,
            "unit": row.get("unit", "")[:20],
            "price_limit": limit,
            "typical_price": typical,
        }
        item = existing.get(code)
        if item is None:
            to_create.append(DirectoryItem(version=version, code=code, **values))
        else:
            for key, value in values.items():
                setattr(item, key, value)
            to_update.append(item)
    DirectoryItem.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        DirectoryItem.objects.bulk_update(
            to_update,
            ["name", "kind", "item_class", "unit", "price_limit", "typical_price"],
            batch_size=500,
        )
    report.created, report.updated = len(to_create), len(to_update)
    audit_record(
        actor=acting_user,
        action=Action.DIRECTORY_IMPORT,
        target=version,
        details={
            "created": report.created,
            "updated": report.updated,
            "errors": len(report.errors),
        },
    )
    return report


def bill_import(*, data: bytes | str, acting_user, settle: bool = True) -> ImportReport:
    """Import bills from CSV, one row per bill line; rows sharing a `reference`
    make one bill (C6). A bill with any bad row is not imported (its rows are all
    reported); a reference already imported is refused, so a file can be uploaded
    again after fixing its errors. With `settle`, the imported bills are settled
    at once (bills_settle_many); a bill that cannot be settled stays imported,
    entered, and its first row says why."""
    from claims.services.bills import bill_create, bills_settle_many

    rows = read_table(
        data,
        columns=BILL_COLUMNS,
        required=(
            "reference",
            "national_id",
            "facility_code",
            "service_date",
            "visit",
            "item_code",
            "quantity",
            "unit_price",
        ),
    )
    report = ImportReport()
    first_rows: dict[int, int] = {}  # bill id -> its first row in the file
    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, row in rows:
        groups.setdefault(row.get("reference", ""), []).append((number, row))

    national_ids = {row.get("national_id", "").upper() for _number, row in rows}
    persons = {
        p.national_id: p
        for p in InsuredPerson.objects.filter(national_id__in=national_ids).select_related(
            "region__province"
        )
    }
    facilities = {
        f.code: f
        for f in Facility.objects.filter(
            code__in={row.get("facility_code", "") for _number, row in rows}
        ).select_related("region__province")
    }
    diseases = {d.code: d for d in Disease.objects.all()}
    taken = set(Bill.objects.filter(reference__in=list(groups)).values_list("reference", flat=True))

    for reference, members in groups.items():
        first_number, first = members[0]
        bad = False
        lines = []
        bill_total = Decimal(0)
        if not reference or len(reference) > REFERENCE_LENGTH:
            for number, _row in members:
                report.error(
                    number,
                    _("the reference is empty or longer than %(n)d characters")
                    % {"n": REFERENCE_LENGTH},
                )
            continue
        if reference in taken:
            for number, _row in members:
                report.error(number, _("bill %(ref)s was imported before") % {"ref": reference})
            continue
        person = persons.get(first.get("national_id", "").upper())
        facility = facilities.get(first.get("facility_code", ""))
        visit = VISIT_ALIASES.get(first.get("visit", "").lower())
        disease_code = first.get("disease_code", "")
        disease = diseases.get(disease_code) if disease_code else None
        try:
            service_date = datetime.date.fromisoformat(first.get("service_date", ""))
        except ValueError:
            service_date = None
        head_problems = []
        if person is None:
            head_problems.append(_("no insured person has this ID number"))
        if facility is None:
            head_problems.append(_("no facility has this code"))
        if visit is None:
            head_problems.append(_("visit must be outpatient or inpatient"))
        if disease_code and disease is None:
            head_problems.append(_("no chronic disease has this code"))
        if service_date is None:
            head_problems.append(_("the date must look like 2026-03-31"))
        settled_on = None
        if first.get("settled_on"):
            try:
                settled_on = datetime.date.fromisoformat(first["settled_on"])
            except ValueError:
                head_problems.append(_("the settlement date must look like 2026-03-31"))
            if service_date and settled_on and settled_on < service_date:
                head_problems.append(_("the settlement date is before the date of care"))
        if head_problems:
            report.error(first_number, "; ".join(str(p) for p in head_problems))
            bad = True
        for number, row in members:
            problems = []
            for column in ("national_id", "facility_code", "service_date", "visit"):
                if row.get(column, "").upper() != first.get(column, "").upper():
                    problems.append(
                        _("%(column)s differs from the bill's first row") % {"column": column}
                    )
            if not row.get("item_code") or len(row["item_code"]) > CODE_LENGTH:
                problems.append(
                    _("the item code is empty or longer than %(n)d characters") % {"n": CODE_LENGTH}
                )
            try:
                quantity = _decimal(
                    row.get("quantity", ""),
                    digits=QUANTITY_DIGITS,
                    places=QUANTITY_PLACES,
                    column="quantity",
                )
                price = _decimal(row.get("unit_price", ""), column="unit_price")
            except ValueError as exc:
                problems.append(_number_problem(exc))
                quantity = price = None
            else:
                bill_total += quantity * price
                if bill_total >= Decimal(10) ** AMOUNT_DIGITS:
                    problems.append(_("the bill's amount is too large"))
            if problems:
                report.error(number, "; ".join(str(p) for p in problems))
                bad = True
                continue
            lines.append(
                {
                    "code": row["item_code"],
                    "name": row.get("item_name", "")[:120],
                    "quantity": quantity,
                    "unit_price": price,
                }
            )
        if bad:
            continue
        try:
            with transaction.atomic():
                bill = bill_create(
                    person=person,
                    facility=facility,
                    service_date=service_date,
                    visit=visit,
                    lines=lines,
                    entered_by=acting_user,
                    disease=disease,
                    diagnosis=first.get("diagnosis", "")[:200],
                    emergency=first.get("emergency", "").lower() in {"1", "yes", "true", "是"},
                    reference=reference,
                )
        except ValidationError as exc:
            report.error(first_number, "; ".join(exc.messages))
            continue
        except DataError:
            # A value the checks above let through but the database refuses:
            # this bill is rolled back (its savepoint), the others go on.
            report.error(first_number, _("a value is too large or too long for the database"))
            continue
        report.created += 1
        report.bills.append(bill)
        first_rows[bill.pk] = first_number
        if settled_on is not None:
            report.settled_on[bill.pk] = settled_on
    if settle and report.bills:
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
    return report
