"""Reading activation files (W2, bad input): formats and encodings detected
from the content, headers in Chinese or English, rows streamed."""

import io
import tracemalloc
import zipfile

import pytest

from bulk.reading import Column, Reader, scan
from core.tabular import FileProblem
from tests.bulk.files import HEADER_EN, csv_bytes, xlsx_bytes

ID = "11010519491231002X"
ROWS = [
    [ID, "张三", "500100", "13900001111", "社区代开"],
    ["510101199001011234", "李四", "成都", "", ""],
]


def read(data: bytes):
    reader = Reader(io.BytesIO(data))
    return reader, list(reader)


def problem(data: bytes, **kwargs) -> FileProblem:
    with pytest.raises(FileProblem) as exc:
        scan(io.BytesIO(data), max_rows=kwargs.get("max_rows", 1000))
    return exc.value


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_as_excel_saves_it_reads_the_same_in_every_encoding(encoding):
    reader, rows = read(csv_bytes(ROWS, encoding=encoding))
    assert [row.values[Column.NAME] for row in rows] == ["张三", "李四"]
    assert rows[0].values[Column.NATIONAL_ID] == ID
    assert rows[0].values[Column.NOTE] == "社区代开"
    assert [row.line for row in rows] == [2, 3]
    assert reader.stats.kind == "csv" and not reader.stats.mixed_encodings


def test_unicode_text_from_excel_is_utf16_and_tab_separated():
    _, rows = read(csv_bytes(ROWS, encoding="utf-16", delimiter="\t"))
    assert [row.values[Column.NAME] for row in rows] == ["张三", "李四"]


def test_hand_typed_file_with_full_width_commas_and_english_headers():
    _, rows = read(csv_bytes(ROWS, header=HEADER_EN, delimiter="，"))
    assert rows[1].values[Column.USAGE_LOCATION] == "成都"


def test_old_mac_line_endings_are_read():
    _, rows = read(csv_bytes(ROWS, newline="\r"))
    assert len(rows) == 2


def test_headers_in_any_order_with_remarks_and_aliases():
    header = ["备注", "Name *", "身份证号码（必填）", "Usage Location", "联系电话"]
    data = csv_bytes([["x", "张三", ID, "重庆", "139 0000 1111"]], header=header)
    reader, rows = read(data)
    assert rows[0].values == {
        Column.NOTE: "x",
        Column.NAME: "张三",
        Column.NATIONAL_ID: ID,
        Column.USAGE_LOCATION: "重庆",
        Column.PHONE: "139 0000 1111",
    }
    assert reader.layout.ignored == []


def test_optional_columns_may_be_left_out():
    _, rows = read(csv_bytes([[ID, "张三", "500100"]], header=["身份证号", "姓名", "使用地"]))
    assert Column.PHONE not in rows[0].values


def test_extra_columns_are_ignored_and_reported():
    data = csv_bytes(
        [[ID, "张三", "男", "500100", "72"]], header=["身份证号", "姓名", "性别", "使用地", "年龄"]
    )
    reader, rows = read(data)
    assert reader.layout.ignored == ["性别", "年龄"]
    assert rows[0].values[Column.USAGE_LOCATION] == "500100"


def test_missing_headers_say_which():
    found = problem(csv_bytes([[ID, "张三"]], header=["身份证号", "姓名"]))
    assert found.code == "missing_columns"
    assert "使用地 / usage_location" in found.message
    assert "身份证号, 姓名" in found.message  # what the header row holds


def test_wrong_headers_say_what_is_expected():
    found = problem(csv_bytes([[ID, "张三", "500100"]], header=["证件", "户主", "地址"]))
    assert found.code == "no_header"
    assert "身份证号, 姓名, 使用地" in found.message and "证件, 户主, 地址" in found.message


def test_a_file_without_header_row_is_refused():
    assert problem(csv_bytes(ROWS, header=None)).code == "no_header"


def test_a_column_named_twice_is_refused():
    found = problem(csv_bytes([[ID, "a", "b", "c"]], header=["身份证号", "姓名", "name", "使用地"]))
    assert found.code == "column_twice" and "name" in found.message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n \r\n,,,\r\n"])
def test_empty_file(data):
    found = problem(data)
    assert found.code == "empty"
    assert found.message in ("The file is empty.", "文件为空。")


def test_header_without_rows():
    assert problem(csv_bytes([], header=HEADER_EN) + b"\r\n,,,\r\n").code == "no_rows"


def test_pdf_renamed_csv_is_refused_with_a_sentence_saying_so():
    found = problem(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert found.code == "pdf"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        (b"abc\x00\x01\x02def", "binary"),
    ],
)
def test_other_files_are_refused(data, code):
    assert problem(data).code == code


def test_a_zip_that_is_no_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert problem(out.getvalue()).code == "not_workbook"


def test_unclosed_quote_is_reported_with_its_row():
    data = csv_bytes([]) + f'"{ID},张三,500100,,\r\n{ID},李四,500100,,\r\n'.encode()
    found = problem(data)
    assert found.code == "malformed" and "2" in found.message


def test_mixed_encodings_are_read_line_by_line_and_noticed():
    data = csv_bytes([ROWS[0]], encoding="utf-8") + csv_bytes(
        [ROWS[1]], header=None, encoding="gbk"
    )
    reader, rows = read(data)
    assert [row.values[Column.NAME] for row in rows] == ["张三", "李四"]
    assert reader.stats.mixed_encodings
    assert reader.stats.encodings["gbk"] == 1


def test_unreadable_bytes_mark_the_row():
    data = csv_bytes([ROWS[0]]) + ID.encode() + b",\xff\xfe\xff,500100,,\r\n"
    _, rows = read(data)
    assert not rows[0].unreadable
    assert rows[1].unreadable


def test_blank_lines_are_skipped_counted_and_rows_keep_their_numbers():
    data = csv_bytes([ROWS[0], ["", "", "", "", ""], [], ROWS[1]])
    reader, rows = read(data)
    assert [row.line for row in rows] == [2, 5]
    assert reader.stats.blank_rows == 2 and reader.stats.data_rows == 2


def test_xlsx_reads_formulas_as_text_and_flags_ids_stored_as_numbers():
    data = xlsx_bytes(
        [
            ['=HYPERLINK("http://x")', "张三", "500100", 13900001111, None],
            [110105194912310021, "李四", 500100, None, "=1+1"],
            [None, None, None, None, None],
            [ID, "王五", "重庆", "13900001111", ""],
        ],
        sheets=2,
    )
    reader, rows = read(data)
    assert reader.stats.kind == "xlsx" and reader.stats.other_sheets == 1
    assert rows[0].values[Column.NATIONAL_ID] == '=HYPERLINK("http://x")'  # never evaluated
    assert rows[0].values[Column.PHONE] == "13900001111"
    assert rows[1].id_was_number and not rows[0].id_was_number
    assert rows[1].values[Column.NOTE] == "=1+1"
    assert rows[1].values[Column.USAGE_LOCATION] == "500100"
    assert [row.line for row in rows] == [2, 3, 5]
    assert reader.stats.blank_rows == 1


def test_xlsx_with_missing_headers_says_which():
    found = problem(xlsx_bytes([[ID, "张三"]], header=["身份证号", "姓名"]))
    assert found.code == "missing_columns" and "usage_location" in found.message


def test_too_many_rows_are_refused_before_anything_is_read_further():
    found = problem(csv_bytes(ROWS * 3), max_rows=5)
    assert found.code == "too_many_rows" and "5" in found.message


def _big_csv(path, n):
    with open(path, "wb") as out:
        out.write("身份证号,姓名,使用地,手机号,备注\r\n".encode())
        block = f"{ID},张三,500100,13900001111,\r\n".encode() * 10_000
        for _ in range(n // 10_000):
            out.write(block)


@pytest.mark.slow
def test_a_million_rows_stream(tmp_path):
    path = tmp_path / "million.csv"
    _big_csv(path, 1_000_000)
    with open(path, "rb") as binary:
        _, stats = scan(binary, max_rows=1_000_000)
    assert stats.data_rows == 1_000_000


def _peak_reading(path) -> int:
    with open(path, "rb") as binary:
        tracemalloc.start()
        for _row in Reader(binary):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.slow
def test_memory_is_flat_in_the_number_of_rows(tmp_path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _big_csv(small, 10_000)
    _big_csv(large, 80_000)
    assert _peak_reading(large) < 1.5 * _peak_reading(small) + 16_384
