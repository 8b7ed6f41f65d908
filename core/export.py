"""Files handed out to be opened in a spreadsheet (CSV and .xlsx): one guard
against formula injection, used by every export.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run by Excel as a formula ("=HYPERLINK(…)"): CSV injection. Names, notes and file
cells are typed by people, so text cells are neutralised: in a CSV with a leading
apostrophe (OWASP's advice), in a workbook by writing the text as a string cell,
never a formula. Numbers stay numbers.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"  # Excel in China opens a CSV as GBK unless it starts with a BOM


def neutralise(value):
    """A cell as it may be written to a CSV: text Excel would read as a formula
    gets a leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every text cell is neutralised."""

    def __init__(self, out) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row):
        return self._writer.writerow([neutralise(value) for value in row])


class Echo:
    """A file-like object that returns what is written: with ``SafeWriter`` a CSV
    can be streamed line by line (``StreamingHttpResponse``)."""

    def write(self, value: str) -> str:
        return value


def xlsx_cell(sheet, value):
    """A workbook cell: text starting with "=" is written as a string cell, never
    a formula (openpyxl would otherwise store it as one)."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # shown as typed, never run
        return cell
    return value
