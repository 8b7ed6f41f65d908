"""Building activation files the way offices produce them (CSV in several
encodings, .xlsx) for the bulk activation tests."""

import csv
import io

import openpyxl

HEADER_ZH = ["身份证号", "姓名", "使用地", "手机号", "备注"]
HEADER_EN = ["national_id", "name", "usage_location", "phone", "note"]


def csv_bytes(rows, *, header=HEADER_ZH, encoding="utf-8", delimiter=",", newline="\r\n"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER_ZH, sheets=1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    for n in range(1, sheets):
        workbook.create_sheet(f"Sheet{n + 1}")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def person_row(person, *, location="500100", name=None, phone="", note=""):
    return [person.national_id, name or person.name, location, phone, note]
