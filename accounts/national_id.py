"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit
sequence (odd for men, even for women) and a check character computed with the
ISO 7064 MOD 11-2 scheme ("X" stands for 10).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import normalise

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(value: str) -> str:
    """Full-width digits to ASCII, spaces and dashes between groups removed, a
    lower-case x made upper-case (core.normalise.national_id)."""
    return normalise.national_id(value)


def parse(value: str) -> tuple[str, datetime.date, str]:
    """Validate an ID number; return (normalized id, birth date, sex "M"/"F").

    Raises ValidationError with a translated message saying what is wrong.
    """
    nid = normalize(value)
    if len(nid) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)d."),
            code="id_length",
            params={"n": len(nid)},
        )
    if not _SHAPE.match(nid):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_shape"
        )
    try:
        birth = datetime.date(int(nid[6:10]), int(nid[10:12]), int(nid[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) does not exist."),
            code="id_birth_date",
            params={"date": f"{nid[6:10]}-{nid[10:12]}-{nid[12:14]}"},
        ) from None
    if birth.year < 1900 or birth > datetime.date.today():  # noqa: DTZ011 - a calendar date
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is not possible."),
            code="id_birth_date",
            params={"date": birth.isoformat()},
        )
    if check_char(nid[:17]) != nid[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong: please check each digit."),
            code="id_check_digit",
        )
    sex = "M" if int(nid[16]) % 2 else "F"
    return nid, birth, sex


def validate(value: str) -> None:
    parse(value)


def mask(nid: str) -> str:
    """4401**********1234: the first 4 and last 4 characters only (A1)."""
    if not nid:
        return ""
    return nid[:4] + "*" * (len(nid) - 8) + nid[-4:]


def make(address_code: str, birth: datetime.date, sequence: int, sex: str = "M") -> str:
    """Build a valid ID number (demo data and tests). `sequence` is 0–499."""
    seq = sequence * 2 + (1 if sex == "M" else 0)
    if seq > 999:
        raise ValueError("sequence out of range")
    first17 = f"{address_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
