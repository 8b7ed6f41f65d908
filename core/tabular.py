"""One streaming reader for the tables people upload: bulk proxy activation's
lists and the claims imports (directory, bills).

What offices in China upload: CSV as Excel saves it — UTF-8 with or without a BOM
("CSV UTF-8"), GBK/GB18030 (plain "CSV" on a Chinese Windows), sometimes UTF-16
("Unicode text", tab-separated) — with any line ending (CRLF, LF, or a lone CR
from an old Mac Excel), or an .xlsx workbook (read-only, streamed). The format is
detected from the content, never from the file name, so a PDF renamed ``.csv``
is refused with a sentence saying so. Rows are streamed: nothing but the current
row is held in memory, so a million-row file reads in constant memory.

Each CSV line is decoded on its own (UTF-8 first, then GB18030), because lists
pasted together from several sources mix encodings; the mix is counted in
``Stats``. Cells are text: a formula in a workbook arrives as its text and is
never evaluated.

``Table(binary, aliases=…, required=…)`` finds the header row (the first row that
is not blank), maps its spellings to the caller's columns, and iterates the data
rows as ``(row number, cells)``; ``values(cells)`` gives them by column.
"""

import codecs
import csv
import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext_lazy as _

# Signatures of files people upload by mistake.
_PDF = b"%PDF"
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"  # old .xls, or any password-protected Office file
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_DELIMITERS = (",", "\t", ";", "，")  # the last is a full-width comma typed by hand


class FileProblem(Exception):
    """Why a whole file cannot be read. Nothing is written for such a file."""

    MESSAGES = {
        "empty": _("The file is empty."),
        "no_rows": _("The file has a header row but no rows."),
        "pdf": _(
            "This is a PDF file, not a list: save the list from Excel as CSV or .xlsx "
            "and upload that."
        ),
        "xls": _(
            "This is an old Excel (.xls) or password-protected file: save it in Excel "
            "as .xlsx or CSV without a password and upload that."
        ),
        "binary": _("This file is not a CSV or Excel (.xlsx) file."),
        "not_workbook": _("This file cannot be opened as an Excel (.xlsx) workbook."),
        "malformed": _(
            "Row %(line)s of the file cannot be read as CSV: check the quotation marks on that row."
        ),
        "no_header": _(
            "The first row must name the columns (%(expected)s); it holds %(found)s: "
            "add the header row."
        ),
        "missing_columns": _("Missing columns: %(missing)s. The header row holds %(found)s."),
        "column_twice": _("The column %(column)s appears twice in the header row."),
        "too_many_rows": _(
            "The file has more than %(limit)s rows: split it into files of at most "
            "%(limit)s rows each."
        ),
        "too_large": _("The file is larger than %(limit)s MB: split it into smaller files."),
    }

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(code, self.params)

    @property
    def message(self) -> str:
        return message_for(self.code, self.params)


def message_for(code: str, params: dict) -> str:
    """The translated sentence for a stored file problem (in the active language)."""
    template = FileProblem.MESSAGES.get(code, FileProblem.MESSAGES["binary"])
    return str(template) % params if params else str(template)


@dataclass
class Stats:
    """What reading noticed about the file, for the preview's notes."""

    kind: str = ""  # "csv" or "xlsx"
    encodings: Counter = field(default_factory=Counter)  # lines by encoding (CSV)
    blank_rows: int = 0
    data_rows: int = 0
    other_sheets: int = 0

    @property
    def mixed_encodings(self) -> bool:
        return self.encodings["utf-8"] > 0 and self.encodings["gbk"] > 0


@dataclass
class Layout:
    columns: dict  # the caller's column -> its index in a row
    ignored: list[str]  # extra headers, as typed: their values are not read
    header_line: int


def header_key(value) -> str:
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)  # "姓名（必填）", "phone (optional)"
    text = text.strip(" *:")
    return re.sub(r"[\s\-]+", "_", text.strip())


def cell_text(value) -> str:
    """A cell as text. Formulas arrive as their text ("=A1&B1") and stay text:
    nothing read from a file is ever evaluated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


# -- formats -------------------------------------------------------------------


def _cr_lines(binary: IO[bytes]) -> Iterator[bytes]:
    """Lines of a file that ends its lines with a lone CR (old Mac Excel)."""
    pending = b""
    for chunk in iter(lambda: binary.read(65536), b""):
        *lines, pending = (pending + chunk).split(b"\r")
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


def _utf16_lines(binary: IO[bytes]) -> Iterator[str]:
    """Lines of a UTF-16 file (Excel's "Unicode text"), decoded as they stream.
    Not an io.TextIOWrapper: dropping one closes the file under it, and the
    uploaded file is read again after its header is checked."""
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    pending = ""
    for chunk in iter(lambda: binary.read(65536), b""):
        *lines, pending = (pending + decoder.decode(chunk)).split("\n")
        for line in lines:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _decoded_lines(binary: Iterable[bytes], stats: Stats) -> Iterator[str]:
    """Each line decoded on its own: UTF-8 (strict, so GBK bytes never pass as
    UTF-8), else GB18030 (a superset of GBK), else UTF-8 with U+FFFD marks."""
    first = True
    for raw in binary:
        if first:
            raw = raw.removeprefix(_UTF8_BOM)
            first = False
        if raw.isascii():
            yield raw.decode("ascii")
            continue
        try:
            text = raw.decode("utf-8")
            stats.encodings["utf-8"] += 1
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
                stats.encodings["gbk"] += 1
            except UnicodeDecodeError:
                text = raw.decode("utf-8", "replace")
                stats.encodings["unreadable"] += 1
        yield text


def _sniff_delimiter(line: str) -> str:
    counts = {delimiter: line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(lines: Iterator[str]) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every record, blank ones included."""
    leading: list[str] = []
    for line in lines:
        leading.append(line)
        if line.strip():
            break
    delimiter = _sniff_delimiter(leading[-1]) if leading else ","

    def again() -> Iterator[str]:
        yield from leading
        yield from lines

    # strict: a stray or unclosed quotation mark is reported, instead of silently
    # swallowing the rows after it into one cell.
    reader = csv.reader(again(), delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileProblem("malformed", line=number + 1) from None
        number += 1
        yield number, cells


def _xlsx_rows(binary: IO[bytes], stats: Stats) -> Iterator[tuple[int, list]]:
    import openpyxl  # imported here: only workbooks need it

    try:
        # read_only streams the sheet XML; data_only=False returns a formula's text
        # instead of a cached result, so formulas are read as text, never evaluated.
        workbook = openpyxl.load_workbook(binary, read_only=True, data_only=False)
    except Exception:  # zipfile, XML and openpyxl's own errors all mean the same here
        raise FileProblem("not_workbook") from None
    try:
        if not workbook.worksheets:
            raise FileProblem("not_workbook")
        sheet = workbook.worksheets[0]
        stats.other_sheets = len(workbook.worksheets) - 1
        start = sheet.min_row or 1
        for offset, cells in enumerate(sheet.iter_rows(values_only=True)):
            yield start + offset, list(cells)
    finally:
        workbook.close()


def open_rows(binary: IO[bytes], stats: Stats) -> Iterator[tuple[int, list]]:
    head = binary.read(8192)
    binary.seek(0)
    if not head:
        raise FileProblem("empty")
    if head.startswith(_PDF):
        raise FileProblem("pdf")
    if head.startswith(_ZIP):
        stats.kind = "xlsx"
        return _xlsx_rows(binary, stats)
    if head.startswith(_OLE2):
        raise FileProblem("xls")
    stats.kind = "csv"
    if head.startswith(_UTF32_BOMS):  # no office tool saves it; UTF-16 would misread it
        raise FileProblem("binary")
    if head.startswith(_UTF16_BOMS):
        stats.encodings["utf-16"] += 1
        return _csv_rows(_utf16_lines(binary))
    if head.startswith(_IMAGES) or b"\x00" in head:
        raise FileProblem("binary")
    if b"\r" in head and b"\n" not in head:
        return _csv_rows(_decoded_lines(_cr_lines(binary), stats))
    return _csv_rows(_decoded_lines(binary, stats))


# -- the table -------------------------------------------------------------------


def is_blank(cells: list) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


def clip(text: str, size: int = 120) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


class Table:
    """Open a file, find its header row and stream its data rows.

    ``aliases`` maps each column the caller knows to the header spellings it
    accepts (compared after ``header_key``); ``required`` are the columns the
    header must name; ``describe(column)`` names a column in messages and
    ``expected`` lists the required headers when the first row names none.
    Raises FileProblem (from the constructor or while iterating) for anything
    that makes the whole file unreadable. Blank rows are skipped and counted.
    """

    def __init__(
        self,
        binary: IO[bytes],
        *,
        aliases: Mapping[str, Iterable[str]],
        required: Sequence[str],
        describe: Callable[[str], str] = str,
        expected: str = "",
    ) -> None:
        self.stats = Stats()
        self._aliases = {
            header_key(alias): column
            for column, spellings in aliases.items()
            for alias in spellings
        }
        self._rows = open_rows(binary, self.stats)
        for line, cells in self._rows:
            if is_blank(cells):
                continue
            self.layout = self._layout(line, cells, required, describe, expected)
            break
        else:
            raise FileProblem("empty")

    def _layout(self, header_line, cells, required, describe, expected) -> Layout:
        columns: dict = {}
        ignored: list[str] = []
        for index, cell in enumerate(cells):
            label = cell_text(cell)
            if not label:
                continue
            column = self._aliases.get(header_key(label))
            if column is None:
                ignored.append(label)
            elif column in columns:
                raise FileProblem("column_twice", column=label)
            else:
                columns[column] = index
        found = ", ".join(cell_text(cell) for cell in cells if cell_text(cell)) or "—"
        if not columns:
            expected = expected or ", ".join(describe(c) for c in required)
            raise FileProblem("no_header", expected=expected, found=clip(found))
        missing = [describe(c) for c in required if c not in columns]
        if missing:
            raise FileProblem("missing_columns", missing=", ".join(missing), found=clip(found))
        return Layout(columns=columns, ignored=ignored, header_line=header_line)

    def __iter__(self) -> Iterator[tuple[int, list]]:
        """(row number as the spreadsheet shows it, cells) of every data row."""
        for line, cells in self._rows:
            if is_blank(cells):
                self.stats.blank_rows += 1
                continue
            self.stats.data_rows += 1
            yield line, cells

    def values(self, cells: list) -> dict:
        """A row's cells as text, by column ("" for a cell the row lacks)."""
        return {
            column: cell_text(cells[index]) if index < len(cells) else ""
            for column, index in self.layout.columns.items()
        }
