"""Reading an uploaded activation list row by row (W2 bulk activation): its
columns and their accepted spellings, on top of the one streaming reader
(core.tabular: CSV in UTF-8/GBK/UTF-16 with any line ending, or .xlsx)."""

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import IO

from core.tabular import FileProblem, Layout, Stats, Table, cell_text


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

# Accepted header spellings, compared after core.tabular.header_key() (NFKC, lower case,
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


def column_label(column: Column) -> str:
    """How a column is named in messages: both accepted spellings."""
    return f"{HEADERS_ZH[column]} / {HEADERS_EN[column]}"


@dataclass(slots=True)
class RawRow:
    """One data row as typed, by column, before any check."""

    line: int  # the row number Excel shows (the header is row 1 when it is first)
    values: dict[Column, str]
    id_was_number: bool = False  # Excel stored the ID as a number: digits are lost
    unreadable: bool = False  # bytes no encoding could read (shown as U+FFFD)


class Reader(Table):
    """The activation list's header row and its data rows as RawRows."""

    def __init__(self, binary: IO[bytes]) -> None:
        super().__init__(
            binary,
            aliases=ALIASES,
            required=REQUIRED,
            describe=column_label,
            expected=", ".join(HEADERS_ZH[c] for c in REQUIRED),
        )

    def __iter__(self) -> Iterator[RawRow]:
        columns = self.layout.columns.items()
        for line, cells in super().__iter__():
            values: dict[Column, str] = {}
            id_was_number = False
            for column, index in columns:
                cell = cells[index] if index < len(cells) else None
                values[column] = cell_text(cell)
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
