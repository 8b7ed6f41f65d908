"""Money: yuan with two decimals, never floats (RULES.md: "Money is yuan (CNY)
with two decimals").

- ``MONEY`` / ``money_field``: the one shape of a money column, numeric(14, 2);
- ``CENT`` / ``to_fen``: rounding to the fen (half up, as a cashier rounds);
- ``parse_amount``: the strict reader of amounts people type (the wallet's W6
  reader, now shared by the claims imports): digits, thousands grouped by commas
  only in threes, an optional point and decimals, an optional leading minus.
  Full-width digits and points (a Chinese input method's "１００．５０") are read;
  an exponent ("1e3"), NaN, Infinity or stray commas ("10,00") never are;
- ``yuan``: the one way an amount is printed, ``¥12,345.60`` in every language
  (``-¥12.00`` when negative), also as the ``yuan`` template filter
  (``{% load money %}``).
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}
# Whole digits a money column holds (numeric(14, 2)).
MONEY_WHOLE_DIGITS = MONEY["max_digits"] - MONEY["decimal_places"]
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money_field(verbose_name, *, optional: bool = False, **kwargs) -> models.DecimalField:
    """A money column (numeric(14, 2)); ``optional``: NULL until it is known
    (a bill's figures before its settlement)."""
    if optional:
        kwargs = {"null": True, "blank": True, **kwargs}
    return models.DecimalField(verbose_name, **MONEY, **kwargs)


def to_fen(value) -> Decimal:
    """``value`` rounded to the fen, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class AmountError(ValueError):
    """What was typed is not an acceptable amount; ``text`` is what was typed."""

    def __init__(self, text: str, *args) -> None:
        super().__init__(text, *args)
        self.text = text


class NotAnAmount(AmountError):
    """Not written as an amount at all ("ten", "1e3", "NaN", "10,00")."""


class TooLarge(AmountError):
    """More whole digits than the column holds."""


class TooPrecise(AmountError):
    """More decimal places than the column keeps: the database would round it
    silently, so it is refused instead (trailing zeros are fine: 12.500)."""

    def __init__(self, text: str, places: int) -> None:
        super().__init__(text, places)
        self.places = places


_AMOUNT = re.compile(r"(-?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?", re.ASCII)


def parse_amount(
    value, *, places: int = MONEY["decimal_places"], whole_digits: int = MONEY_WHOLE_DIGITS
) -> Decimal:
    """The amount ``value`` says, exactly (never rounded), or an AmountError.

    ``value`` is text as typed (or a Decimal / int). Spaces are ignored. At most
    ``places`` decimals (more are refused unless they are zeros) and
    ``whole_digits`` digits before the point. The sign is kept: the caller's
    rule decides whether a negative amount is allowed."""
    if isinstance(value, Decimal) and value.is_finite():
        value = format(value, "f")  # Decimal("1E+3") is written out, not refused
    text = unicodedata.normalize("NFKC", str(value)).replace(" ", "")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise NotAnAmount(str(value))
    sign, whole, decimals = match[1], match[2].replace(",", ""), match[3] or ""
    if not (whole or decimals):
        raise NotAnAmount(str(value))
    if len(whole.lstrip("0")) > whole_digits:
        raise TooLarge(str(value))
    if len(decimals.rstrip("0")) > places:
        raise TooPrecise(str(value), places)
    try:
        number = Decimal(f"{sign}{whole or 0}.{decimals[:places] or 0}")
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise NotAnAmount(str(value)) from None
    return number.quantize(Decimal(1).scaleb(-places)) if places else number


def yuan(value, *, empty: str = "—") -> str:
    """An amount as families and administrators read it, in every language:
    ``¥12,345.60``, ``-¥12.00``; ``empty`` for None or "" (a figure not known)."""
    if value is None or value == "":
        return empty
    amount = to_fen(value if isinstance(value, Decimal) else Decimal(str(value)))
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
