"""Numbered, translatable reasons for every refusal in the people rules (openIMIS
style): the code stays stable for tests, logs and support; the sentence names the
rule (RULES.md A, F) and is shown next to the field it is about."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

REASONS = {
    # A1: insured persons and sign-up
    "A1-01": _("A1: this ID number and name don't match our records."),
    "A1-02": _(
        "A1: this insurance record already has a portal login. Log in with it, or ask "
        "the insurance office for help."
    ),
    "A1-03": _("A1: your login is not linked to an insurance record yet."),
    "A1-04": _("A1: this login is already linked to an insurance record."),
    # A1: one-time codes sent to a phone (sign-up, new password, relatives)
    "A1-06": ngettext_lazy(
        "A1: a code was sent a moment ago: you can ask for another in %(wait)d second.",
        "A1: a code was sent a moment ago: you can ask for another in %(wait)d seconds.",
        "wait",
    ),
    "A1-07": _(
        "A1: this phone number or login has had %(count)d codes today, the most allowed: "
        "try again tomorrow."
    ),
    "A1-08": ngettext_lazy(
        "A1: that code is not right. %(left)d try left today.",
        "A1: that code is not right. %(left)d tries left today.",
        "left",
    ),
    "A1-09": _("A1: this code has expired or was replaced: ask for a new one."),
    "A1-10": _(
        "A1: too many wrong codes today. For your safety, try again tomorrow, or ask an "
        "administrator at the insurance office to verify you."
    ),
    "A1-11": _("A1: enter the 6-digit code from the text message."),
    "A1-12": _("A1: this step has expired: please start again."),
    "A1-13": _("A1: enter a mainland mobile number of 11 digits."),
    # A2: close relatives
    "A2-01": _(
        "A2: only close relatives (spouse, parents, children, brothers and sisters, "
        "grandparents, grandchildren) can be added; in-laws and cousins cannot."
    ),
    "A2-02": _("A2: our records show a different relationship between you and this person."),
    "A2-03": _("A2: the birth dates don't fit this relationship: please check it."),
    "A2-04": _("A2: you cannot add yourself as your own relative."),
    # A3: dependent accounts
    "A3-01": _("A3: you can look after at most %(max)d relatives (pending requests count)."),
    "A3-02": _("A3: this relative is already on your family page or waiting for confirmation."),
    "A3-03": _(
        "A3: relatives aged %(age)d or under need a birth certificate or household "
        "register page, reviewed by an administrator."
    ),
    "A3-04": ngettext_lazy(
        "A3: that code is not right. %(left)d try left.",
        "A3: that code is not right. %(left)d tries left.",
        "left",
    ),
    "A3-05": _(
        "A3: this code has expired: send a new one and enter it within %(minutes)d minutes."
    ),
    "A3-06": _(
        "A3: too many wrong codes: this request has expired. Add the relative again to "
        "get a new code."
    ),
    "A3-07": _(
        "A3: we have no phone number or portal login for this relative, so they cannot "
        "confirm. Ask them to update their phone number at the insurance office."
    ),
    "A3-08": _("A3: this request is no longer waiting for a code."),
    "A3-09": _("A3: this request is no longer waiting for review."),
    "A3-10": _("A3: enter the 6-digit code."),
    "A3-11": _(
        "A3: too many wrong codes for this relative today. Try again tomorrow, or ask them "
        "to confirm from their own login."
    ),
    # F2: designated outpatient facility
    "F2-01": _(
        "F2: this facility is outside %(name)s's insured region (%(region)s): choose one "
        "in that region."
    ),
    "F2-02": _("F2: this facility is not a designated outpatient facility."),
    "F2-03": _("F2: this facility is already the chosen one."),
    # F3: non-local registration
    "F3-01": _(
        "F3: the destination must be outside the insured region (%(region)s): a "
        "registration is for care elsewhere."
    ),
    "F3-02": _(
        "F3: this overlaps an active registration (%(kind)s, from %(start)s): cancel it "
        "first or choose another start date."
    ),
    "F3-03": _(
        "F3: upload the proof of residence (residence permit), or sign the commitment "
        "letter instead."
    ),
    "F3-04": _("F3: tick the box to accept the commitment letter."),
    "F3-05": _(
        "F3: type the name exactly as on the insurance record (%(name)s) or your own name to sign."
    ),
    "F3-06": _("F3: the start date cannot be in the past (except for an emergency)."),
    "F3-07": _(
        "F3: a long-term registration needs a proof of residence or a signed commitment letter."
    ),
    "F3-08": _("F3: this registration is already cancelled."),
}


def refusal(code: str, field: str | None = None, **params) -> ValidationError:
    """A ValidationError carrying the numbered reason `code`, attached to `field`
    (a form field name) when it is about one; raise it."""
    error = ValidationError(REASONS[code], code=code, params=params or None)
    if field is None:
        return error
    return ValidationError({field: error})
