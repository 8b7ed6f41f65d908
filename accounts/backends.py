"""Log in by username or by the mobile number on one's insurance record (A1).

A phone number names a login only when exactly one login holds a record with
that number: a number shared by several logins (a parent's phone on a child's
record that has its own login) logs in by username instead. django-axes counts
failures by the login a phone number names (``axes_username``), so trying a
password by phone and by username counts against the same lockout.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.models import InsuredPerson
from core import normalise


def phone_digits(value: str) -> str:
    """A mainland mobile number as typed (spaces, dashes, full-width digits,
    +86 or 0086 in front) reduced to its 11 digits; "" when it is not one."""
    digits = normalise.phone(value or "")
    return digits if digits and digits.startswith("1") else ""


def user_for_phone(phone: str):
    """The one login whose insurance record has this mobile number, or None."""
    digits = phone_digits(phone)
    if not digits:
        return None
    user_ids = list(
        InsuredPerson.objects.filter(phone=digits, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()[:2]
    )
    if len(user_ids) != 1:
        return None
    return get_user_model().objects.filter(pk=user_ids[0]).first()


def login_username(identifier: str) -> str:
    """The username an identifier typed in the login form stands for."""
    identifier = (identifier or "").strip()
    user_model = get_user_model()
    if user_model.objects.filter(**{user_model.USERNAME_FIELD: identifier}).exists():
        return identifier
    user = user_for_phone(identifier)
    return user.get_username() if user is not None else identifier


def axes_username(request, credentials) -> str | None:
    """django-axes: count failures against the login, however it was named.
    Bounded to a username's length: axes stores it in a column of its own."""
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username")
    if not identifier:
        return identifier
    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
    return login_username(identifier[:limit])


class UsernameOrPhoneBackend(ModelBackend):
    """Django's password check, reached by username or by record phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        return super().authenticate(request, username=login_username(username), password=password)
