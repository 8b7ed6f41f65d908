"""Files bulk activation hands out: the per-row report (CSV and .xlsx) and the
template to fill in (CSV and .xlsx), in the reader's language.

Report cells are the administrator's own input echoed back, so they may hold
anything, including text Excel would run as a formula ("=HYPERLINK(…)", "+1…",
"@SUM(…)"): core.export neutralises them (CSV injection).
"""

import csv
import io
from collections.abc import Iterator
from typing import IO

import openpyxl
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from accounts import national_id
from bulk.models import Batch
from bulk.reading import HEADERS_EN, HEADERS_ZH, REQUIRED, Column
from bulk.reasons import Outcome, ReasonText
from bulk.selectors import report_rows
from core.export import UTF8_BOM, Echo, SafeWriter, xlsx_cell


def masked(value: str) -> str:
    """ID numbers are shown masked (A1); the row number finds the row in the file."""
    return national_id.mask(value) if len(value) >= 12 else value


def report_header() -> list[str]:
    return [
        _("row"),
        _("national ID number"),
        _("person's name"),
        _("usage location"),
        _("phone"),
        _("note"),
        _("outcome"),
        _("reason"),
    ]


def _outcome_label(batch: Batch, outcome: str) -> str:
    if outcome == Outcome.READY:
        if batch.status == Batch.Status.CANCELLED:
            return _("not opened: the batch was cancelled")
        if batch.status == Batch.Status.CHECKED:
            return _("ready to open (not confirmed yet)")
    return str(Outcome(outcome).label)


def report_lines(batch: Batch) -> Iterator[list]:
    """The report's rows as values, header first, in the active language."""
    reason_text = ReasonText()
    labels = {outcome: _outcome_label(batch, outcome) for outcome in Outcome.values}
    yield report_header()
    for row in report_rows(batch=batch):
        yield [
            row.line,
            masked(row.national_id),
            row.name,
            row.usage_location,
            row.phone,
            row.note,
            labels[row.outcome],
            reason_text(row.reason, row.reason_arg),
        ]


def report_csv(batch: Batch, *, language: str) -> Iterator[bytes]:
    """The report as CSV (UTF-8 with a BOM), streamed line by line."""
    writer = SafeWriter(Echo())
    with translation.override(language):
        yield UTF8_BOM.encode()
        for values in report_lines(batch):
            yield writer.writerow(values).encode("utf-8")


def report_xlsx(batch: Batch, out: IO[bytes], *, language: str) -> None:
    """The report as an .xlsx workbook, written row by row (write-only mode)."""
    workbook = openpyxl.Workbook(write_only=True)
    with translation.override(language):
        sheet = workbook.create_sheet(_("report"))
        for width, column in zip((8, 22, 14, 16, 15, 24, 22, 60), "ABCDEFGH", strict=True):
            sheet.column_dimensions[column].width = width
        for values in report_lines(batch):
            sheet.append([xlsx_cell(sheet, value) for value in values])
    workbook.save(out)


def template_headers(language: str) -> list[str]:
    headers = HEADERS_EN if language.startswith("en") else HEADERS_ZH
    return [headers[column] for column in Column]


def template_csv(*, language: str) -> bytes:
    out = io.StringIO()
    out.write(UTF8_BOM)
    csv.writer(out).writerow(template_headers(language))
    return out.getvalue().encode("utf-8")


def template_xlsx(*, language: str) -> bytes:
    """The template workbook: the header row, the ID column formatted as text (so
    Excel keeps all 18 characters) and a sheet explaining each column."""
    workbook = openpyxl.Workbook()
    with translation.override(language):
        sheet = workbook.active
        sheet.title = _("people")
        sheet.append(template_headers(language))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDE", (24, 12, 16, 16, 30), strict=True):
            sheet.column_dimensions[column].width = width
            sheet.column_dimensions[column].number_format = "@"
        for row in range(2, 1002):  # text format on the rows people will fill in
            sheet.cell(row=row, column=1).number_format = "@"
            sheet.cell(row=row, column=4).number_format = "@"
        help_sheet = workbook.create_sheet(_("instructions"))
        required = {*REQUIRED}
        help_sheet.append([_("column"), _("required"), _("what to enter")])
        explanations = {
            Column.NATIONAL_ID: _(
                "The 18-character resident ID number; a final x may be lower case."
            ),
            Column.NAME: _("The name exactly as on the insurance record."),
            Column.USAGE_LOCATION: _(
                "Where the wallet is used: the region's 6-digit code (e.g. 500100) or "
                "its name (e.g. 成都市)."
            ),
            Column.PHONE: _("Optional: a mobile number or a landline with its area code."),
            Column.NOTE: _("Optional: any note for your records (not checked)."),
        }
        headers = template_headers(language)
        for index, column in enumerate(Column):
            help_sheet.append(
                [headers[index], _("yes") if column in required else _("no"), explanations[column]]
            )
        help_sheet.column_dimensions["C"].width = 80
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
