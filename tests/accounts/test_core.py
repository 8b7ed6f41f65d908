"""Core people rules: ID numbers (A1) and relationships read both ways (A2)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts import national_id
from accounts.selectors import relation_of
from accounts.services import relationship_create
from tests.factories import InsuredPersonFactory


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11010519491231002", "id_length"),  # 17 characters
        ("11010519491231002XX", "id_length"),
        ("1101051949123100AX", "id_shape"),
        ("110105194902300021", "id_birth_date"),  # 30 February
        ("110105194912310021", "id_check_digit"),  # should end in X
    ],
)
def test_invalid_id_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        national_id.parse(value)
    assert exc.value.code == code


def is_close_relative(a, b) -> bool:
    return relation_of(person=a, other=b) is not None


def test_valid_id_gives_birth_date_and_sex_and_is_normalised():
    nid, born, sex = national_id.parse(" １１０１０５１９４９１２３１００２x ")
    assert nid == "11010519491231002X"
    assert born == datetime.date(1949, 12, 31)
    assert sex == "F"  # the 17th character, 2, is even: female


@pytest.mark.parametrize(
    "typed",
    [
        "110105-19491231-002x",  # groups separated with hyphens
        "110105 1949 1231 002X",
        "１１０１０５－１９４９１２３１－００２ｘ",  # full-width, full-width hyphens
        "110105—19491231—002X",  # dashes pasted from a document
    ],
)
def test_separators_between_groups_are_ignored(typed):
    assert national_id.parse(typed)[0] == "11010519491231002X"


def test_a_birth_date_after_today_is_not_possible():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)  # noqa: DTZ011
    with pytest.raises(ValidationError) as exc:
        national_id.parse(national_id.make("110105", tomorrow, 1))
    assert exc.value.code == "id_birth_date"
    national_id.parse(national_id.make("110105", datetime.date.today(), 1))  # noqa: DTZ011


def test_masking_shows_only_first_and_last_four():
    assert national_id.mask("11010519491231002X") == "1101**********002X"


@pytest.mark.django_db
def test_person_derives_birth_date_and_sex_from_the_id():
    person = InsuredPersonFactory(born=datetime.date(2012, 5, 1), sex="F")
    assert person.birth_date == datetime.date(2012, 5, 1)
    assert person.sex == "F"
    assert person.national_id not in str(person)
    assert person.masked_id in str(person)


@pytest.mark.django_db
def test_relationship_reads_both_ways():
    parent = InsuredPersonFactory(born=datetime.date(1958, 1, 1))
    child = InsuredPersonFactory(born=datetime.date(1985, 1, 1))
    relationship_create(actor=None, person_a=parent, person_b=child, kind="parent")
    assert relation_of(person=child, other=parent) == "parent"
    assert relation_of(person=parent, other=child) == "child"
    assert is_close_relative(parent, child) and is_close_relative(child, parent)


@pytest.mark.django_db
def test_contradictory_and_self_relationships_are_refused():
    a = InsuredPersonFactory(born=datetime.date(1958, 1, 1))
    b = InsuredPersonFactory(born=datetime.date(1985, 1, 1))
    stranger = InsuredPersonFactory(born=datetime.date(1950, 1, 1))
    relationship_create(actor=None, person_a=a, person_b=b, kind="parent")
    with pytest.raises(ValidationError) as exc:
        relationship_create(actor=None, person_a=b, person_b=a, kind="spouse")
    assert exc.value.code == "contradiction"
    with pytest.raises(ValidationError) as exc:
        relationship_create(actor=None, person_a=a, person_b=a, kind="sibling")
    assert exc.value.code == "self"
    with pytest.raises(ValidationError) as exc:
        relationship_create(actor=None, person_a=b, person_b=stranger, kind="grandparent")
    assert exc.value.code == "age_order"
    assert not is_close_relative(a, stranger)
