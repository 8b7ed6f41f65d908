"""Imports for the admin: the directory (C1) and bills (C6) from CSV or .xlsx,
read by core.tabular like bulk activation's lists, each with a per-row error
report. Rows with errors are skipped and reported by their row number as the
spreadsheet shows it (the header is row 1); everything else is imported."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from claims.actions import Action
from claims.models import (
    Bill,
    BillLine,
    DirectoryItem,
    DirectoryVersion,
    ItemClass,
    ItemKind,
    Visit,
)
from core.audit import audit_record
from core.money import AmountError, NotAnAmount, TooLarge, TooPrecise, parse_amount
from core.pinyin import initials
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
    # R1–R5: a refund of a bill imported before (claims.services.refund_import).
    "refund_quantity",
    "refund_reference",
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
    # The background job settling the bills, when there were too many to settle
    # while the page waited (the page follows it until it has finished).
    settle_job_id: int | None = None

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


def _directory_row(row: dict, seen: set[str]) -> tuple[list, str, dict]:
    """One directory row checked: (problems, code, the item's values)."""
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
    limit, typical, problem = _prices(row)
    if problem:
        problems.append(problem)
    values = {
        "name": name,
        "kind": kind,
        "item_class": item_class,
        "unit": row.get("unit", "")[:20],
        "price_limit": limit,
        "typical_price": typical,
    }
    return problems, code, values


def _prices(row: dict):
    """(price limit, typical price, problem) of a directory row."""
    try:
        limit = _decimal(row.get("price_limit", ""), allow_empty=True, column="price_limit")
        typical = _decimal(row.get("typical_price", ""), allow_empty=True, column="typical_price")
    except (TooLarge, TooPrecise) as exc:
        return None, None, _number_problem(exc)
    except ValueError as exc:
        return None, None, _("%(value)s is not a price") % {"value": exc.args[0]}
    return limit, typical, ""


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
        problems, code, values = _directory_row(row, seen)
        if problems:
            report.error(number, "; ".join(str(p) for p in problems))
            continue
        seen.add(code)
        values["initials"] = initials(values["name"])[:60]  # D1
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
            ["name", "initials", "kind", "item_class", "unit", "price_limit", "typical_price"],
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
