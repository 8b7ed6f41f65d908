"""One normaliser for what people type about a person: names, ID numbers, phone
numbers. Sign-up, the admin and bulk activation all read input through it, so a
name one of them accepts the others accept too.

- names compare without spaces ("王  芳"), full-width forms, invisible
  characters, case, and with every middle dot alike: 阿依古丽·买买提 typed with
  "•", "・", "‧" or "." is the same name;
- ID numbers lose spaces, dashes between groups, Excel's text apostrophe and
  invisible characters, take ASCII digits and an upper-case X (the GB 11643
  checks themselves are accounts.national_id's);
- phone numbers become their digits without +86 / 0086, or None when they are no
  Chinese mobile or landline number at all.
"""

import re
import unicodedata

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"\s+")
# The middle dot of names such as 阿依古丽·买买提, however it was typed: a full
# stop, the middle dot, a bullet, the hyphenation point, operators, the katakana dot.
_DOTS = re.compile("[.\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65]")
# Spaces and the dashes people type or paste between an ID number's groups.
_ID_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_EXCEL_TEXT_MARKS = "'‘’`"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


def _plain(value: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", value or ""))


def name(value: str) -> str:
    """A name as compared: no spaces, one middle dot, full-width folded."""
    return _DOTS.sub("·", _SPACES.sub("", _plain(value)))


def names_match(typed: str, recorded: str) -> bool:
    """The typed name is the recorded one (also ignoring case: Latin names)."""
    return name(typed).casefold() == name(recorded).casefold()


def national_id(value: str) -> str:
    """ " １１０１０５-1949… x" -> "110105…X" (shape only; nothing is validated)."""
    value = _plain(value).strip().lstrip(_EXCEL_TEXT_MARKS)
    return _ID_SEPARATORS.sub("", value).upper()


def phone(value: str) -> str | None:
    """Digits only, without +86 / 0086; None when it is no phone number at all."""
    digits = re.sub(r"[\s\-()]", "", _plain(value)).lstrip(_EXCEL_TEXT_MARKS)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None
