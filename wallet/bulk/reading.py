"""Reading an uploaded activation list row by row (W2 bulk activation).

What offices in China upload: CSV as Excel saves it — UTF-8 with or without a BOM
("CSV UTF-8"), GBK/GB18030 (plain "CSV" on a Chinese Windows), sometimes UTF-16
("Unicode text", tab-separated) — or an .xlsx workbook. The format is detected
from the content, never from the file name, so a PDF renamed ``.csv`` is refused
with a sentence saying so. Rows are streamed: nothing but the current row is held
in memory, so a million-row file reads in constant memory.

Each CSV line is decoded on its own (UTF-8 first, then GB18030), because lists
pasted together from several sources mix encodings; the mix is reported.
"""

import codecs
import csv
import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO

from django.utils.translation import gettext_lazy as _


class Column(StrEnum):
    NATIONAL_ID = "national_id"
    NAME = "name"
    USAGE_LOCATION = "usage_location"
    PHONE = "phone"
    NOTE = "note"


REQUIRED = (Column.NATIONAL_ID, Column.NAME, Column.USAGE_LOCATION)

# Header names written in the template files (Chinese is the portal's default).
HEADERS_ZH = {
    Column.NATIONAL_ID: "身份证号",
    Column.NAME: "姓名",
    Column.USAGE_LOCATION: "使用地",
    Column.PHONE: "手机号",
    Column.NOTE: "备注",
}
HEADERS_EN = {column: column.value for column in Column}

# Accepted header spellings, compared after _header_key() (NFKC, lower case,
# bracketed remarks such as "（必填）" and stars removed, spaces as "_").
ALIASES: dict[Column, tuple[str, ...]] = {
    Column.NATIONAL_ID: (
        "身份证号",
        "身份证号码",
        "身份证",
        "公民身份号码",
        "证件号码",
        "national_id",
        "nationalid",
        "national_id_number",
        "id_number",
        "id_no",
        "id",
    ),
    Column.NAME: ("姓名", "名字", "name", "full_name"),
    Column.USAGE_LOCATION: (
        "使用地",
        "钱包使用地",
        "使用地区",
        "usage_location",
        "usage_region",
        "region",
        "location",
    ),
    Column.PHONE: (
        "手机号",
        "手机号码",
        "手机",
        "电话",
        "联系电话",
        "phone",
        "mobile",
        "phone_number",
    ),
    Column.NOTE: ("备注", "说明", "note", "notes", "remark", "remarks"),
}
_ALIAS_TO_COLUMN = {alias: column for column, aliases in ALIASES.items() for alias in aliases}

# Signatures of files people upload by mistake.
_PDF = b"%PDF"
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"  # old .xls, or any password-protected Office file
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_DELIMITERS = (",", "\t", ";", "，")  # the last is a full-width comma typed by hand


def column_label(column: Column) -> str:
    """How a column is named in messages: both accepted spellings."""
    return f"{HEADERS_ZH[column]} / {HEADERS_EN[column]}"


class FileProblem(Exception):
    """Why a whole file cannot be read. Nothing is written for such a file."""

    MESSAGES = {
        "empty": _("The file is empty."),
        "no_rows": _("The file has a header row but no rows of people."),
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
            "The first row must name the columns (%(expected)s); it holds %(found)s. "
            "Add the header row, or start from the template file."
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


@dataclass(slots=True)
class RawRow:
    """One data row as typed, by column, before any check."""

    line: int  # the row number Excel shows (the header is row 1 when it is first)
    values: dict[Column, str]
    id_was_number: bool = False  # Excel stored the ID as a number: digits are lost
    unreadable: bool = False  # bytes no encoding could read (shown as U+FFFD)


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
    columns: dict[Column, int]
    ignored: list[str]  # extra headers, as typed: their values are not read
    header_line: int


def _header_key(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)  # "姓名（必填）", "phone (optional)"
    text = text.strip(" *:")
    return re.sub(r"[\s\-]+", "_", text.strip())


def _text(value) -> str:
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


def _open_rows(binary: IO[bytes], stats: Stats) -> Iterator[tuple[int, list]]:
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


# -- the reader ------------------------------------------------------------------


def _is_blank(cells: list) -> bool:
    return all(_text(cell) == "" for cell in cells)


def _layout(header_line: int, cells: list) -> Layout:
    columns: dict[Column, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        label = _text(cell)
        if not label:
            continue
        column = _ALIAS_TO_COLUMN.get(_header_key(label))
        if column is None:
            ignored.append(label)
        elif column in columns:
            raise FileProblem("column_twice", column=label)
        else:
            columns[column] = index
    found = ", ".join(_text(cell) for cell in cells if _text(cell)) or "—"
    if not columns:
        expected = ", ".join(HEADERS_ZH[c] for c in REQUIRED)
        raise FileProblem("no_header", expected=expected, found=_clip(found))
    missing = [column_label(c) for c in REQUIRED if c not in columns]
    if missing:
        raise FileProblem("missing_columns", missing=", ".join(missing), found=_clip(found))
    return Layout(columns=columns, ignored=ignored, header_line=header_line)


def _clip(text: str, size: int = 120) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


class Reader:
    """Open a file, find its header row and stream its data rows.

    Raises FileProblem (from the constructor or while iterating) for anything that
    makes the whole file unreadable. Blank rows are skipped and counted.
    """

    def __init__(self, binary: IO[bytes]) -> None:
        self.stats = Stats()
        self._rows = _open_rows(binary, self.stats)
        for line, cells in self._rows:
            if _is_blank(cells):
                continue
            self.layout = _layout(line, cells)
            break
        else:
            raise FileProblem("empty")

    def __iter__(self) -> Iterator[RawRow]:
        columns = self.layout.columns.items()
        for line, cells in self._rows:
            if _is_blank(cells):
                self.stats.blank_rows += 1
                continue
            self.stats.data_rows += 1
            values: dict[Column, str] = {}
            id_was_number = False
            for column, index in columns:
                cell = cells[index] if index < len(cells) else None
                values[column] = _text(cell)
                if column is Column.NATIONAL_ID and isinstance(cell, int | float):
                    id_was_number = not isinstance(cell, bool)
            unreadable = any("\ufffd" in value for value in values.values())
            yield RawRow(line, values, id_was_number, unreadable)


def scan(binary: IO[bytes], *, max_rows: int) -> tuple[Layout, Stats]:
    """The first pass: headers, the number of rows, encodings — before anything is
    written. Raises FileProblem for an unreadable file, no rows, or too many."""
    reader = Reader(binary)
    for _row in reader:
        if reader.stats.data_rows > max_rows:
            raise FileProblem("too_many_rows", limit=f"{max_rows:,}")
    if reader.stats.data_rows == 0:
        raise FileProblem("no_rows")
    return reader.layout, reader.stats
