"""core.normalise: one reading of names, ID numbers and phones, so sign-up, the
admin and bulk activation accept the same input."""

import pytest

from accounts.services import person_claimable
from core import normalise
from tests.factories import InsuredPersonFactory, chongqing

DOTS = ["·", "•", "・", "‧", ".", "･", "∙"]


def test_ids_with_lower_case_x_spaces_and_full_width_digits_are_normalised():
    assert normalise.national_id(" １１０１０５ １９４９１２３１００２x ") == "11010519491231002X"
    assert normalise.national_id("'11010519491231002x\u200b") == "11010519491231002X"
    assert normalise.national_id("110105-19491231-002X") == "11010519491231002X"


@pytest.mark.parametrize("dot", DOTS)
def test_names_compare_without_spaces_case_or_dot_variants(dot):
    assert normalise.names_match("王  芳", "王芳")
    assert normalise.names_match(f"阿依古丽{dot}买买提", "阿依古丽·买买提")
    assert normalise.names_match("zhang WEI", "Zhang Wei")
    assert not normalise.names_match("阿依古丽买买提", "阿依古丽·买买提")  # a dot is a letter


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("139 0000 1111", "13900001111"),
        ("+86 139-0000-1111", "13900001111"),
        ("'13900001111", "13900001111"),
        ("023-6888 1234", "02368881234"),
        ("12345", None),
        ("ask the son", None),
    ],
)
def test_phone_numbers(typed, expected):
    assert normalise.phone(typed) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("dot", DOTS)
def test_sign_up_and_bulk_activation_accept_the_same_names(dot):
    """Sign-up refused 阿依古丽•买买提 for the record 阿依古丽·买买提 while bulk
    activation accepted it: both read names through core.normalise now."""
    from bulk.reading import Column, RawRow
    from bulk.reasons import Outcome
    from bulk.validation import RegionIndex, check_chunk

    person = InsuredPersonFactory(region=chongqing(), name="阿依古丽·买买提")
    typed = f"阿依古丽{dot}买买提"
    assert person_claimable(national_id=person.national_id, name=typed) == person
    values = {
        Column.NATIONAL_ID: person.national_id,
        Column.NAME: typed,
        Column.USAGE_LOCATION: "500100",
        Column.PHONE: "",
        Column.NOTE: "",
    }
    [row] = check_chunk(
        [RawRow(2, values)],
        regions=RegionIndex(),
        earlier_lines=lambda ids: {},
        open_person_ids=lambda pks: set(),
    )
    assert (row.outcome, row.person_id) == (Outcome.READY, person.pk)
