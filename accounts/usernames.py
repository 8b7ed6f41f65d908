"""A username may not look like a phone number (A4).

Logging in and setting a new password both accept the mobile number on one's
insurance record (accounts.backends); a login whose *username* is someone
else's number would take that person's login by phone and their new-password
texts. So every place a username is set refuses one that reads as a mainland
mobile number once full-width digits, spaces, dashes, dots, underscores and a
+86 / 0086 prefix are taken away. The check is a validator on the user model's
username field (sign-up, the admin, createsuperuser all run it) and the
sign-up service asks it again before it creates a login.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

from accounts.backends import phone_digits
from core import reasons

_SEPARATORS = re.compile(r"[\s\-_.()\u2010-\u2015\u2212]+")


def phone_in(value: str) -> str:
    """The mainland mobile number `value` reads as, as people type numbers
    (11 digits), or "" when it reads as none."""
    return phone_digits(_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")))


def looks_like_phone(value: str) -> bool:
    return bool(phone_in(value))


def validate_username(value: str) -> None:
    """Django validator: refuse a phone-shaped username (A4-01)."""
    if looks_like_phone(value):
        # A plain ValidationError: field validators hand back a list, not a dict.
        raise ValidationError(reasons.get("A4-01").sentence, code="A4-01")


def install() -> None:
    """Add the validator to the user model's username field, once."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    if validate_username not in field.validators:
        field.validators.append(validate_username)
