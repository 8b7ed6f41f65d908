"""Checking activation rows against the people records (W1, W2, A1).

Rows are checked in chunks with set-based lookups: one query for the persons of a
chunk, one for the rows seen earlier in the same file (duplicates), one for the
wallets already open — never a query per row. Regions are loaded once per file.

Each row ends with one outcome and, unless it is ready, one numbered reason
(reasons.py). The checks, in the order a row is stopped by them: the ID number
(formula, missing, stored as a number, GB 11643 shape and check digit), a
duplicate of an earlier row, unreadable characters, formulas in other columns,
the name, the usage location (known, unambiguous), the phone, lengths, then the
person (found, same name, active), the location's province live for wallets (W1),
and last the wallet not already open (a skip, not an error).
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import ValidationError

from accounts import national_id
from accounts.models import InsuredPerson, PersonStatus, Region
from bulk.reading import Column, RawRow, column_label
from bulk.reasons import Outcome, Reason
from core import normalise

# Stored lengths of the row's text fields (models.BatchRow); longer values are a
# B09 problem (the stored value is cut to fit, so the report still shows it).
MAX_LENGTHS = {
    Column.NATIONAL_ID: 32,
    Column.NAME: 50,
    Column.USAGE_LOCATION: 60,
    Column.PHONE: 20,
    Column.NOTE: 200,
}

_ID_CODES = {
    "id_length": Reason.ID_LENGTH,
    "id_shape": Reason.ID_SHAPE,
    "id_birth_date": Reason.ID_BIRTH_DATE,
    "id_check_digit": Reason.ID_CHECK_DIGIT,
}


def _looks_like_formula(value: str) -> bool:
    return value.startswith("=")


@dataclass(frozen=True, slots=True)
class RegionInfo:
    pk: int
    province_code: str
    wallet_live: bool


_AMBIGUOUS = RegionInfo(pk=0, province_code="", wallet_live=False)
_REGION_SUFFIXES = ("特别行政区", "自治州", "地区", "市", "州", "盟", "省")


def _region_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\s\-_/,·.]+", "", text)


def _short(name: str) -> str:
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class RegionIndex:
    """Every way a usage location may be written, loaded once per file: the 6-digit
    code ("510100"), the name ("成都市", "成都"), with its province ("四川省成都市",
    "四川 成都") or in English ("Chengdu"). A name shared by two regions is
    ambiguous (B22): the code still works."""

    def __init__(self) -> None:
        self._keys: dict[str, RegionInfo] = {}
        rows = Region.objects.values_list(
            "pk",
            "code",
            "name",
            "name_en",
            "province__code",
            "province__name",
            "province__name_en",
            "province__wallet_live",
        )
        for pk, code, name, name_en, p_code, p_name, p_name_en, live in rows:
            info = RegionInfo(pk=pk, province_code=p_code, wallet_live=live)
            self._keys[code] = info  # codes are unique: never ambiguous
            names = {name, _short(name), name_en}
            for province in (p_name, _short(p_name)):
                names |= {province + name, province + _short(name)}
            names.add(f"{p_name_en}{name_en}")
            for key in {_region_key(n) for n in names if n}:
                if key in self._keys and self._keys[key] != info and not key.isdigit():
                    self._keys[key] = _AMBIGUOUS
                elif not key.isdigit():
                    self._keys[key] = info

    def lookup(self, text: str) -> tuple[RegionInfo | None, str]:
        """(region, "") or (None, reason code)."""
        key = _region_key(text)
        if not key:
            return None, Reason.LOCATION_MISSING
        info = self._keys.get(key)
        if info is None:
            return None, Reason.LOCATION_UNKNOWN
        if info is _AMBIGUOUS:
            return None, Reason.LOCATION_AMBIGUOUS
        return info, ""


@dataclass(slots=True)
class CheckedRow:
    """A row after its checks, as it is stored (models.BatchRow)."""

    line: int
    national_id: str
    name: str
    usage_location: str
    phone: str
    note: str
    person_id: int | None = None
    region_id: int | None = None
    outcome: str = Outcome.READY
    reason: str = ""
    reason_arg: str = ""

    def stop(self, outcome: str, reason: str, arg: object = "") -> None:
        self.outcome, self.reason, self.reason_arg = outcome, reason, str(arg)[:60]

    @property
    def open(self) -> bool:
        return self.outcome == Outcome.READY


def _clip(value: str, column: Column) -> str:
    return value[: MAX_LENGTHS[column]]


def _check_id(raw: RawRow, row: CheckedRow) -> None:
    typed = raw.values[Column.NATIONAL_ID]
    if _looks_like_formula(typed):
        row.stop(Outcome.INVALID, Reason.FORMULA, column_label(Column.NATIONAL_ID))
    elif not typed:
        row.stop(Outcome.INVALID, Reason.ID_MISSING)
    elif raw.id_was_number or re.search(r"\d[eE]\+?\d", typed):
        row.stop(Outcome.INVALID, Reason.ID_AS_NUMBER)  # "1.10105E+17"
    else:
        try:
            national_id.parse(row.national_id)
        except ValidationError as exc:
            arg = (exc.params or {}).get("n") or (exc.params or {}).get("date") or ""
            row.stop(Outcome.INVALID, _ID_CODES.get(exc.code, Reason.ID_SHAPE), arg)


def _check_text(raw: RawRow, row: CheckedRow) -> bool:
    """Formulas, a name, the lengths; False when the row stopped here."""
    if raw.unreadable:
        row.stop(Outcome.INVALID, Reason.UNREADABLE)
        return False
    for column in (Column.NAME, Column.USAGE_LOCATION):
        if _looks_like_formula(raw.values[column]):
            row.stop(Outcome.INVALID, Reason.FORMULA, column_label(column))
            return False
    if not normalise.name(row.name):
        row.stop(Outcome.INVALID, Reason.NAME_MISSING)
        return False
    for column, value in raw.values.items():
        if column is not Column.NATIONAL_ID and len(value) > MAX_LENGTHS[column]:
            row.stop(Outcome.INVALID, Reason.TOO_LONG, column_label(column))
            return False
    return True


def _check_columns(raw: RawRow, row: CheckedRow, regions: RegionIndex) -> None:
    """Everything that needs no person: formulas, text, location, phone, lengths."""
    if not _check_text(raw, row):
        return None
    region, problem = regions.lookup(row.usage_location)
    if problem:
        return row.stop(Outcome.INVALID, problem, row.usage_location)
    row.region_id = region.pk
    if not region.wallet_live:
        return row.stop(Outcome.INVALID, Reason.LOCATION_NOT_LIVE, region.province_code)
    if row.phone:
        phone = normalise.phone(row.phone)
        if phone is None:
            return row.stop(Outcome.INVALID, Reason.PHONE_INVALID)
        row.phone = phone
    return None


def _typed(raw: RawRow) -> CheckedRow:
    """A row as typed (clipped to the columns' lengths), its ID number checked."""
    values = raw.values
    row = CheckedRow(
        line=raw.line,
        national_id=_clip(normalise.national_id(values[Column.NATIONAL_ID]), Column.NATIONAL_ID),
        name=_clip(values[Column.NAME], Column.NAME),
        usage_location=_clip(values[Column.USAGE_LOCATION], Column.USAGE_LOCATION),
        phone=_clip(values.get(Column.PHONE, ""), Column.PHONE),
        note=_clip(values.get(Column.NOTE, ""), Column.NOTE),
    )
    _check_id(raw, row)
    return row


def _check_persons(rows: list[CheckedRow]) -> None:
    """The persons the open rows name: one query for the chunk."""
    wanted = {row.national_id for row in rows if row.open}
    persons = {
        nid: (pk, name, status)
        for nid, pk, name, status in InsuredPerson.objects.filter(
            national_id__in=wanted
        ).values_list("national_id", "pk", "name", "status")
    }
    for row in rows:
        if not row.open:
            continue
        person = persons.get(row.national_id)
        if person is None:
            row.stop(Outcome.INVALID, Reason.PERSON_NOT_FOUND)
            continue
        pk, name, status = person
        row.person_id = pk
        if not normalise.names_match(row.name, name):
            row.stop(Outcome.INVALID, Reason.NAME_MISMATCH)
        elif status != PersonStatus.ACTIVE:
            row.stop(Outcome.INVALID, Reason.PERSON_NOT_ACTIVE, status)


def check_chunk(
    raw_rows: list[RawRow],
    *,
    regions: RegionIndex,
    earlier_lines: Callable[[list[str]], dict[str, int]],
    open_person_ids: Callable[[set[int]], set[int]],
) -> list[CheckedRow]:
    """Check one chunk of rows with set-based lookups.

    `earlier_lines(ids)` answers, for ID numbers already seen in earlier chunks of
    the same file, the row where each was first seen; `open_person_ids(pks)` the
    persons among `pks` whose wallet is already open.
    """
    rows = [_typed(raw) for raw in raw_rows]

    # Duplicates: the first row with an ID number is the one used (W2-40 for the
    # later ones), so a list pasted together twice opens each wallet once.
    with_id = [row for row in rows if row.open]
    earlier = earlier_lines(sorted({row.national_id for row in with_id}))
    first_line: dict[str, int] = {}
    for row in with_id:
        seen = earlier.get(row.national_id) or first_line.get(row.national_id)
        if seen is not None:
            row.stop(Outcome.DUPLICATE, Reason.DUPLICATE, seen)
        else:
            first_line[row.national_id] = row.line

    for raw, row in zip(raw_rows, rows, strict=True):
        if row.open:
            _check_columns(raw, row, regions)

    _check_persons(rows)

    # Already open is a skip, not an error: re-running a file is safe.
    already = open_person_ids({row.person_id for row in rows if row.open})
    for row in rows:
        if row.open and row.person_id in already:
            row.stop(Outcome.ALREADY_OPEN, Reason.ALREADY_OPEN)
    return rows


def chunked(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
