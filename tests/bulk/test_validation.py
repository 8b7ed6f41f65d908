"""Per-row checks of bulk proxy activation (W1, W2, A1), set-based per chunk."""

import datetime

import pytest
from django.utils import translation

from accounts import national_id
from accounts.models import PersonStatus
from bulk.reading import Column, RawRow
from bulk.reasons import Outcome, Reason, ReasonText
from bulk.validation import (
    RegionIndex,
    check_chunk,
)
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def render_reason(code: str, arg: str = "") -> str:
    """One reason as the report reads it, in the active language."""
    return ReasonText()(code, arg)


def raw(line, nid, name, location="500100", phone="", note="", **flags):
    values = {
        Column.NATIONAL_ID: nid,
        Column.NAME: name,
        Column.USAGE_LOCATION: location,
        Column.PHONE: phone,
        Column.NOTE: note,
    }
    return RawRow(line, values, **flags)


def check(rows, *, earlier=None, open_ids=()):
    return check_chunk(
        rows,
        regions=RegionIndex(),
        earlier_lines=lambda ids: {k: v for k, v in (earlier or {}).items() if k in ids},
        open_person_ids=lambda pks: set(open_ids) & pks,
    )


def outcome(row):
    return (row.outcome, row.reason)


def test_usage_location_by_code_name_short_name_province_or_english(regions):
    index = RegionIndex()
    chengdu = regions["chengdu"].pk
    for typed in ("510100", "成都市", "成都", "四川省成都市", "四川 成都", "Chengdu", " chengdu "):
        info, problem = index.lookup(typed)
        assert (info.pk, problem) == (chengdu, ""), typed
    assert index.lookup("")[1] == Reason.LOCATION_MISSING
    assert index.lookup("火星")[1] == Reason.LOCATION_UNKNOWN


def test_a_name_shared_by_two_regions_is_ambiguous_but_its_code_works(regions):
    from tests.factories import ProvinceFactory, RegionFactory

    other = ProvinceFactory(code="13", name="河北省", name_en="Hebei")
    RegionFactory(province=other, code="139901", name="成都市", name_en="Chengdu")
    index = RegionIndex()
    assert index.lookup("成都市")[1] == Reason.LOCATION_AMBIGUOUS
    assert index.lookup("510100")[0].pk == regions["chengdu"].pk


def test_every_rule_gives_its_reason(regions):
    ok = InsuredPersonFactory(region=regions["chongqing"])
    suspended = InsuredPersonFactory(region=regions["chongqing"], status=PersonStatus.SUSPENDED)
    opened = InsuredPersonFactory(region=regions["chongqing"])
    unknown_id = national_id.make("500100", datetime.date(1950, 1, 1), 7)
    bad_check = ok.national_id[:17] + ("0" if ok.national_id[17] != "0" else "1")
    rows = check(
        [
            raw(2, ok.national_id.lower(), ok.name, phone="13900001111"),
            raw(3, "", ok.name),
            raw(4, "1101051949123", ok.name),
            raw(5, "1101051949123100AX", ok.name),
            raw(6, "110105194902300021", ok.name),
            raw(7, bad_check, ok.name),
            raw(8, "1.10105194912310E+17", ok.name),
            raw(9, "=A1", ok.name),
            raw(10, ok.national_id, ok.name),  # the same person again
            raw(11, unknown_id, "无此人"),
            raw(12, suspended.national_id, suspended.name),
            raw(13, opened.national_id, opened.name),
            raw(14, national_id.make("500100", datetime.date(1951, 1, 1), 8), "x", location="火星"),
        ],
        open_ids={opened.pk},
    )
    assert [outcome(row) for row in rows] == [
        (Outcome.READY, ""),
        (Outcome.INVALID, Reason.ID_MISSING),
        (Outcome.INVALID, Reason.ID_LENGTH),
        (Outcome.INVALID, Reason.ID_SHAPE),
        (Outcome.INVALID, Reason.ID_BIRTH_DATE),
        (Outcome.INVALID, Reason.ID_CHECK_DIGIT),
        (Outcome.INVALID, Reason.ID_AS_NUMBER),
        (Outcome.INVALID, Reason.FORMULA),
        (Outcome.DUPLICATE, Reason.DUPLICATE),
        (Outcome.INVALID, Reason.PERSON_NOT_FOUND),
        (Outcome.INVALID, Reason.PERSON_NOT_ACTIVE),
        (Outcome.ALREADY_OPEN, Reason.ALREADY_OPEN),
        (Outcome.INVALID, Reason.LOCATION_UNKNOWN),
    ]
    assert rows[0].national_id == ok.national_id and rows[0].person_id == ok.pk
    assert rows[0].region_id == regions["chongqing"].pk
    assert rows[8].reason_arg == "2"
    assert "2" in render_reason(rows[8].reason, rows[8].reason_arg)


def test_name_must_match_the_person_with_that_id(regions):
    person = InsuredPersonFactory(region=regions["chongqing"], name="张建国")
    rows = check([raw(2, person.national_id, "张建军"), raw(3, person.national_id, " 张 建国 ")])
    assert outcome(rows[0]) == (Outcome.INVALID, Reason.NAME_MISMATCH)
    assert outcome(rows[1]) == (Outcome.DUPLICATE, Reason.DUPLICATE)  # the first row is used


def test_usage_location_must_be_live_for_wallets(regions):
    person = InsuredPersonFactory(region=regions["chongqing"])
    (row,) = check([raw(2, person.national_id, person.name, location="广州")])
    assert outcome(row) == (Outcome.INVALID, Reason.LOCATION_NOT_LIVE)
    assert row.reason_arg == "44"
    with translation.override("zh-hans"):
        assert "广东省" in render_reason(row.reason, row.reason_arg)
    with translation.override("en"):
        assert "Guangdong" in render_reason(row.reason, row.reason_arg)


def test_formulas_in_any_required_column_are_refused_not_evaluated(regions):
    person = InsuredPersonFactory(region=regions["chongqing"])
    rows = check(
        [
            raw(2, person.national_id, "=B1"),
            raw(3, person.national_id, person.name, location="=C1", note="=1+1"),
        ]
    )
    assert outcome(rows[0]) == (Outcome.INVALID, Reason.FORMULA)
    with translation.override("zh-hans"):
        assert "姓名" in render_reason(rows[0].reason, rows[0].reason_arg)


def test_a_formula_in_the_note_is_kept_as_text(regions):
    person = InsuredPersonFactory(region=regions["chongqing"])
    (row,) = check([raw(2, person.national_id, person.name, note='=HYPERLINK("x")')])
    assert row.outcome == Outcome.READY and row.note == '=HYPERLINK("x")'


def test_id_stored_as_a_number_by_excel(regions):
    (row,) = check([raw(2, "110105194912310000", "张三", id_was_number=True)])
    assert outcome(row) == (Outcome.INVALID, Reason.ID_AS_NUMBER)


def test_duplicates_of_rows_in_earlier_chunks(regions):
    person = InsuredPersonFactory(region=regions["chongqing"])
    (row,) = check([raw(2050, person.national_id, person.name)], earlier={person.national_id: 7})
    assert outcome(row) == (Outcome.DUPLICATE, Reason.DUPLICATE) and row.reason_arg == "7"


def test_unreadable_row_and_long_values_and_bad_phone(regions):
    person = InsuredPersonFactory(region=regions["chongqing"])
    other = InsuredPersonFactory(region=regions["chongqing"])
    third = InsuredPersonFactory(region=regions["chongqing"])
    rows = check(
        [
            raw(2, person.national_id, "张\ufffd", unreadable=True),
            raw(3, other.national_id, other.name, note="很长" * 101),
            raw(4, third.national_id, third.name, phone="12345"),
        ]
    )
    assert [outcome(row) for row in rows] == [
        (Outcome.INVALID, Reason.UNREADABLE),
        (Outcome.INVALID, Reason.TOO_LONG),
        (Outcome.INVALID, Reason.PHONE_INVALID),
    ]
    assert len(rows[1].note) == 200


def test_a_chunk_costs_the_same_queries_whatever_its_size(regions, django_assert_num_queries):
    people = InsuredPersonFactory.create_batch(40, region=regions["chongqing"])
    index = RegionIndex()

    def run(persons):
        check_chunk(
            [raw(i, p.national_id, p.name) for i, p in enumerate(persons, start=2)],
            regions=index,
            earlier_lines=lambda ids: {},
            open_person_ids=lambda pks: set(),
        )

    with django_assert_num_queries(1):  # the persons; the fakes above make no query
        run(people[:4])
    with django_assert_num_queries(1):
        run(people)
