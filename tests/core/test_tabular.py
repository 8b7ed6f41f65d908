"""core.tabular: one reader for every uploaded table. Bulk activation and the
claims imports read the same files: UTF-8 with or without BOM, GBK, UTF-16
(tab-separated, as Excel's "Unicode text"), CRLF, LF or a lone CR, and .xlsx."""

import datetime
import io

import openpyxl
import pytest

from bulk.reading import Column, Reader
from claims.models import DirectoryItem, DirectoryVersion
from claims.services.imports import directory_import

HEADER = ["code", "name", "kind", "class", "unit", "price_limit", "typical_price"]
ROWS = [
    ["D1", "阿莫西林胶囊", "drug", "A", "盒", "9.80", ""],
    ["D2", "布洛芬", "drug", "B", "盒", "", ""],
]
BULK_HEADER = ["身份证号", "姓名", "使用地"]
BULK_ROWS = [
    ["11010519491231002X", "阿依古丽·买买提", "500100"],
    ["110105194912310038", "王芳", "成都"],
]


def csv_text(header, rows, *, delimiter=",", newline="\r\n") -> str:
    return newline.join(delimiter.join(row) for row in [header, *rows]) + newline


def xlsx(header, rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FORMATS = {
    "utf-8": lambda h, r: csv_text(h, r).encode("utf-8"),
    "utf-8-bom": lambda h, r: csv_text(h, r).encode("utf-8-sig"),
    "gbk": lambda h, r: csv_text(h, r).encode("gbk"),
    "utf-16": lambda h, r: csv_text(h, r, delimiter="\t").encode("utf-16"),
    "cr-only": lambda h, r: csv_text(h, r, newline="\r").encode("utf-8"),
    "lf-only": lambda h, r: csv_text(h, r, newline="\n").encode("gbk"),
    "xlsx": xlsx,
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FORMATS)
def test_claims_import_and_bulk_activation_read_the_same_files(kind):
    """The claims import refused a CR-only or UTF-16 CSV (and any workbook) that
    bulk activation read: both read through core.tabular now."""
    encode = FORMATS[kind]
    version = DirectoryVersion.objects.create(name="2030", effective_from=datetime.date(2030, 1, 1))
    report = directory_import(version=version, data=encode(HEADER, ROWS), acting_user=None)
    assert (report.created, report.errors) == (2, [])
    items = DirectoryItem.objects.filter(version=version).order_by("code")
    assert [(i.code, i.name, i.item_class) for i in items] == [
        ("D1", "阿莫西林胶囊", "A"),
        ("D2", "布洛芬", "B"),
    ]

    rows = list(Reader(io.BytesIO(encode(BULK_HEADER, BULK_ROWS))))
    assert [(r.line, r.values[Column.NAME], r.values[Column.USAGE_LOCATION]) for r in rows] == [
        (2, "阿依古丽·买买提", "500100"),
        (3, "王芳", "成都"),
    ]
