"""Row outcomes and numbered reason codes of bulk proxy activation (W2).

openIMIS-style: every row that is not opened carries a numbered, translatable
reason; the report and the preview render it in the reader's language. A reason
may take one short argument (a row number, a column, a region name), stored next
to the code, never a sentence.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from core import reasons
from core.reasons import register


class Outcome(models.TextChoices):
    READY = "ready", _("ready to open")
    ACTIVATED = "activated", _("opened")
    ALREADY_OPEN = "already_open", _("skipped: already open")
    DUPLICATE = "duplicate", _("skipped: duplicate row")
    INVALID = "invalid", _("not opened: problem in the row")
    FAILED = "failed", _("not opened: failed")


SKIPPED = (Outcome.ALREADY_OPEN, Outcome.DUPLICATE)
FAILED = (Outcome.INVALID, Outcome.FAILED)


class Reason(StrEnum):
    """Why a row is not opened or is skipped. Codes follow the rule they apply:
    W1-nn where the row fails W1 (the person or the place cannot have a wallet),
    W2-nn for everything else about the list. The numbers are those of the B-codes
    this report used before (B05 is W2-05), so old reports still read."""

    ID_MISSING = "W2-01"
    ID_LENGTH = "W2-02"
    ID_SHAPE = "W2-03"
    ID_BIRTH_DATE = "W2-04"
    ID_CHECK_DIGIT = "W2-05"
    ID_AS_NUMBER = "W2-06"
    FORMULA = "W2-07"
    UNREADABLE = "W2-08"
    TOO_LONG = "W2-09"
    NAME_MISSING = "W2-10"
    PERSON_NOT_FOUND = "W2-11"
    NAME_MISMATCH = "W2-12"
    PERSON_NOT_ACTIVE = "W1-13"
    LOCATION_MISSING = "W2-20"
    LOCATION_UNKNOWN = "W2-21"
    LOCATION_AMBIGUOUS = "W2-22"
    LOCATION_NOT_LIVE = "W1-23"
    PHONE_INVALID = "W2-30"
    DUPLICATE = "W2-40"
    ALREADY_OPEN = "W2-41"
    FAILED = "W2-50"


register(Reason.ID_MISSING, _("The ID number is empty."))
register(Reason.ID_LENGTH, _("An ID number has 18 characters; this one has %(arg)s."))
register(Reason.ID_SHAPE, _("An ID number is 17 digits followed by a digit or X."))
register(Reason.ID_BIRTH_DATE, _("The birth date in this ID number (%(arg)s) is not possible."))
register(
    Reason.ID_CHECK_DIGIT,
    _("The check digit of this ID number is wrong (GB 11643): check each digit."),
)
register(
    Reason.ID_AS_NUMBER,
    _(
        "Excel stored this ID number as a number and lost its last digits: "
        "format the column as text and type the ID number again."
    ),
)
register(
    Reason.FORMULA,
    _("The column %(arg)s holds a formula; formulas are never evaluated: type the value itself."),
)
register(
    Reason.UNREADABLE,
    _(
        "This row has characters that could not be read (an unknown encoding): "
        "save the file as CSV UTF-8 or .xlsx and upload it again."
    ),
)
register(Reason.TOO_LONG, _("The column %(arg)s is too long."))
register(Reason.NAME_MISSING, _("The name is empty."))
register(Reason.PERSON_NOT_FOUND, _("No insured person has this ID number."))
register(Reason.NAME_MISMATCH, _("The name does not match the insured person with this ID number."))
register(
    Reason.PERSON_NOT_ACTIVE,
    _(
        "This person's insurance is not active (%(arg)s): only active insured persons "
        "may open a wallet."
    ),
)
register(Reason.LOCATION_MISSING, _("The usage location is empty."))
register(
    Reason.LOCATION_UNKNOWN,
    _("No region is called “%(arg)s”: use the region's 6-digit code (e.g. 500100) or its name."),
)
register(
    Reason.LOCATION_AMBIGUOUS,
    _("Several regions are called “%(arg)s”: use the region's 6-digit code."),
)
register(Reason.LOCATION_NOT_LIVE, _("Wallets cannot be opened in %(arg)s yet."))
register(
    Reason.PHONE_INVALID,
    _("The phone number is neither a mobile number (11 digits) nor a landline with its area code."),
)
register(Reason.DUPLICATE, _("The same ID number as row %(arg)s: only that row is used."))
register(Reason.ALREADY_OPEN, _("The wallet is already open: nothing to do."))
register(
    Reason.FAILED,
    _("Opening failed unexpectedly (%(arg)s); the other rows were not affected."),
)


class ReasonText:
    """Renders reasons as administrators read them (``W2-05: The check digit…``)
    in the active language; loads the province names (for W1-23) once per
    instance, so a 100,000-row report costs one query."""

    def __init__(self) -> None:
        self._provinces: dict[str, tuple[str, str]] | None = None

    def __call__(self, code: str, arg: str = "") -> str:
        if not code:
            return ""
        if code not in reasons.REGISTRY:
            return code
        if code == Reason.PERSON_NOT_ACTIVE:
            from accounts.models import PersonStatus

            if arg in PersonStatus.values:
                arg = str(PersonStatus(arg).label)
        elif code == Reason.LOCATION_NOT_LIVE:
            arg = self._province_name(arg)
        return reasons.admin_label(code, arg=arg)

    def _province_name(self, code: str) -> str:
        from django.utils.translation import get_language

        from accounts.models import Province

        if self._provinces is None:
            self._provinces = {
                p_code: (name, name_en)
                for p_code, name, name_en in Province.objects.values_list("code", "name", "name_en")
            }
        name, name_en = self._provinces.get(code, (code, code))
        return name_en if (get_language() or "").startswith("en") else name
