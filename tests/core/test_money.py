"""core.money: one way to read an amount, one way to print it (¥12,345.60 in
both languages, -¥12.00 when negative), one rounding to the fen."""

import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from core.money import (
    NotAnAmount,
    TooLarge,
    TooPrecise,
    parse_amount,
    to_fen,
    yuan,
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_one_format_in_both_languages(language):
    with translation.override(language):
        assert yuan(D("12345.6")) == "¥12,345.60"
        assert yuan(D("-12")) == "-¥12.00"
        assert yuan(D("0")) == "¥0.00"
        assert yuan(D("1234567890.125")) == "¥1,234,567,890.13"  # half up, to the fen
        assert yuan(None) == "—" and yuan("") == "—"
        html = Template('{% load money %}{{ a|yuan }} {{ a|yuan:"-" }} {{ b|yuan }}').render(
            Context({"a": D("2000"), "b": None})
        )
        # Each amount kept on one line (the layout gives way, never the figure).
        assert html == (
            '<span class="nowrap">¥2,000.00</span> <span class="nowrap">-¥2,000.00</span> —'
        )


def test_rounding_to_the_fen_is_half_up():
    assert to_fen(D("0.005")) == D("0.01")
    assert to_fen(D("2.675")) == D("2.68")
    assert to_fen(D("-0.005")) == D("-0.01")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("200", D("200.00")),
        ("99.5", D("99.50")),
        ("1,234.56", D("1234.56")),
        ("１００．５０", D("100.50")),  # a Chinese input method's full-width digits
        (" 12 ", D("12.00")),
        ("12.500", D("12.50")),  # trailing zeros are no extra precision
        (".5", D("0.50")),
        ("-5", D("-5.00")),  # the sign is kept: the caller's rule decides
        (D("1E+3"), D("1000.00")),
    ],
)
def test_amounts_as_people_type_them(typed, read):
    assert parse_amount(typed) == read


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("ten", NotAnAmount),
        ("1e3", NotAnAmount),
        ("NaN", NotAnAmount),
        ("Infinity", NotAnAmount),
        ("10,00", NotAnAmount),
        ("1,2,3", NotAnAmount),
        ("", NotAnAmount),
        ("-", NotAnAmount),
        ("12.345", TooPrecise),
        ("9" * 13, TooLarge),
    ],
)
def test_anything_else_is_refused_never_rounded(typed, error):
    with pytest.raises(error):
        parse_amount(typed)


def test_places_and_digits_follow_the_column():
    assert parse_amount("1.125", places=3, whole_digits=7) == D("1.125")
    with pytest.raises(TooLarge):
        parse_amount("12345678", places=3, whole_digits=7)


# Printf-style two-decimal formats: each one is a money format of its own.
OWN_FORMATS = re.compile(r"\.2f\b|%\.2f|floatformat:\"?2\"?[^-]|intcomma")


def test_amounts_are_printed_by_core_money_only():
    """The wallet printed 12345.60 beside the claims' 12,345.60 on one card and
    the message centre had a formatter of its own: every amount goes through
    core.money.yuan (the ``yuan`` filter in templates) now, and no other code
    formats two decimals by hand."""
    root = Path(settings.BASE_DIR)
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for folder in ("accounts", "wallet", "claims", "bulk", "core", "portal", "templates")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".html"}
        and "migrations" not in path.parts
        and path != root / "core" / "money.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OWN_FORMATS.search(line)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_message_centre_amounts_read_like_every_other(language):
    from accounts.models import InboxMessage, MessageKind

    message = InboxMessage(
        kind=MessageKind.TRANSFER_ACCEPTED, facts={"recipient": "张建国", "amount": "12345.605"}
    )
    with translation.override(language):
        assert "¥12,345.61" in message.text  # half up, to the fen, like every amount
