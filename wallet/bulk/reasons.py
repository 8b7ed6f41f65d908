"""Row outcomes and numbered reason codes of bulk proxy activation (W2).

openIMIS-style: every row that is not opened carries a numbered, translatable
reason; the report and the preview render it in the reader's language. A reason
may take one short argument (a row number, a column, a region name), stored next
to the code, never a sentence.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    READY = "ready", _("ready to open")
    ACTIVATED = "activated", _("opened")
    ALREADY_OPEN = "already_open", _("skipped: already open")
    DUPLICATE = "duplicate", _("skipped: duplicate row")
    INVALID = "invalid", _("not opened: problem in the row")
    FAILED = "failed", _("not opened: failed")


SKIPPED = (Outcome.ALREADY_OPEN, Outcome.DUPLICATE)
FAILED = (Outcome.INVALID, Outcome.FAILED)


class Reason(models.TextChoices):
    ID_MISSING = "B01", _("B01: the ID number is empty.")
    ID_LENGTH = "B02", _("B02: an ID number has 18 characters; this one has %(arg)s.")
    ID_SHAPE = "B03", _("B03: an ID number is 17 digits followed by a digit or X.")
    ID_BIRTH_DATE = "B04", _("B04: the birth date in this ID number (%(arg)s) is not possible.")
    ID_CHECK_DIGIT = (
        "B05",
        _("B05: the check digit of this ID number is wrong (GB 11643): check each digit."),
    )
    ID_AS_NUMBER = (
        "B06",
        _(
            "B06: Excel stored this ID number as a number and lost its last digits: "
            "format the column as text and type the ID number again."
        ),
    )
    FORMULA = (
        "B07",
        _(
            "B07: the column %(arg)s holds a formula; formulas are never evaluated: "
            "type the value itself."
        ),
    )
    UNREADABLE = (
        "B08",
        _(
            "B08: this row has characters that could not be read (an unknown encoding): "
            "save the file as CSV UTF-8 or .xlsx and upload it again."
        ),
    )
    TOO_LONG = "B09", _("B09: the column %(arg)s is too long.")
    NAME_MISSING = "B10", _("B10: the name is empty.")
    PERSON_NOT_FOUND = "B11", _("B11: no insured person has this ID number.")
    NAME_MISMATCH = "B12", _("B12: the name does not match the insured person with this ID number.")
    PERSON_NOT_ACTIVE = (
        "B13",
        _(
            "B13: this person's insurance is not active (%(arg)s): only active insured "
            "persons may open a wallet (W1)."
        ),
    )
    LOCATION_MISSING = "B20", _("B20: the usage location is empty.")
    LOCATION_UNKNOWN = (
        "B21",
        _(
            "B21: no region is called “%(arg)s”: use the region's 6-digit code (e.g. "
            "500100) or its name."
        ),
    )
    LOCATION_AMBIGUOUS = (
        "B22",
        _("B22: several regions are called “%(arg)s”: use the region's 6-digit code."),
    )
    LOCATION_NOT_LIVE = "B23", _("B23: wallets cannot be opened in %(arg)s yet (W1).")
    PHONE_INVALID = (
        "B30",
        _(
            "B30: the phone number is neither a mobile number (11 digits) nor a landline "
            "with its area code."
        ),
    )
    DUPLICATE = "B40", _("B40: the same ID number as row %(arg)s: only that row is used.")
    ALREADY_OPEN = "B41", _("B41: the wallet is already open: nothing to do.")
    FAILED = (
        "B50",
        _("B50: opening failed unexpectedly (%(arg)s); the other rows were not affected."),
    )


class ReasonText:
    """Renders reasons as sentences in the active language; loads the province
    names (for B23) once per instance, so a 100,000-row report costs one query."""

    def __init__(self) -> None:
        self._provinces: dict[str, tuple[str, str]] | None = None

    def __call__(self, code: str, arg: str = "") -> str:
        if not code:
            return ""
        try:
            template = str(Reason(code).label)
        except ValueError:
            return code
        if code == Reason.PERSON_NOT_ACTIVE:
            from accounts.models import PersonStatus

            if arg in PersonStatus.values:
                arg = str(PersonStatus(arg).label)
        elif code == Reason.LOCATION_NOT_LIVE:
            arg = self._province_name(arg)
        return template % {"arg": arg} if "%(arg)s" in template else template

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


def render_reason(code: str, arg: str = "") -> str:
    """One reason as a sentence in the active language ("" for none)."""
    return ReasonText()(code, arg)
