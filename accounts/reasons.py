"""Numbered, translatable reasons for every refusal of the people rules (RULES.md
A, F), registered in the one registry (core.reasons): the code stays stable for
tests, logs and support; the sentence is what the family reads next to the field
it is about.

F2's refusals are numbered from F2-11: F2-01 is the settlement's "not the
designated facility" reduction (claims/reasons.py), stored on bills.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.reasons import register

# A1: insured persons and sign-up
register("A1-01", _("This ID number and name don't match our records."))
register(
    "A1-02",
    _(
        "This insurance record already has a portal login. Log in with it, or ask "
        "the insurance office for help."
    ),
)
register("A1-03", _("Your login is not linked to an insurance record yet."))
register("A1-04", _("This login is already linked to an insurance record."))
# A1: one-time codes sent to a phone (sign-up, new password, relatives)
register(
    "A1-06",
    ngettext_lazy(
        "A code was sent a moment ago: you can ask for another in %(wait)d second.",
        "A code was sent a moment ago: you can ask for another in %(wait)d seconds.",
        "wait",
    ),
)
register(
    "A1-07",
    _(
        "This phone number or login has had %(count)d codes today, the most allowed: "
        "try again tomorrow."
    ),
)
register(
    "A1-08",
    ngettext_lazy(
        "That code is not right. %(left)d try left today.",
        "That code is not right. %(left)d tries left today.",
        "left",
    ),
)
register("A1-09", _("This code has expired or was replaced: ask for a new one."))
register(
    "A1-10",
    _(
        "Too many wrong codes today. For your safety, try again tomorrow, or ask an "
        "administrator at the insurance office to verify you."
    ),
)
register("A1-11", _("Enter the 6-digit code from the text message."))
register("A1-12", _("This step has expired: please start again."))
register("A1-13", _("Enter a mainland mobile number of 11 digits."))
register(
    "A1-14",
    _(
        "Codes cannot be sent at this moment (a part of the portal is restarting): "
        "nothing was sent; please try again in a minute."
    ),
    field="code",
)
# A4: logins
register(
    "A4-01",
    _(
        "A username cannot be a phone number: whoever logs in or sets a new password "
        "with that number would reach this login. Choose a name with letters in it."
    ),
)
# A6: no oracle of who is on record
register(
    "A6-01",
    _(
        "You have tried to add relatives %(count)d times today, the most allowed: "
        "try again tomorrow."
    ),
)
register(
    "A6-02",
    _(
        "Codes were asked for %(count)d times from this connection today, the most "
        "allowed: try again tomorrow, or ask the insurance office for help."
    ),
)
register(
    "A6-03",
    _(
        "The portal has sent as many codes as it may today: please try again tomorrow, "
        "or ask the insurance office for help."
    ),
)
# A2: close relatives
register(
    "A2-01",
    _(
        "Only close relatives (spouse, parents, children, brothers and sisters, "
        "grandparents, grandchildren) can be added; in-laws and cousins cannot."
    ),
)
register("A2-02", _("Our records show a different relationship between you and this person."))
register("A2-03", _("The birth dates don't fit this relationship: please check it."))
register("A2-04", _("You cannot add yourself as your own relative."))
# A3: dependent accounts
register("A3-01", _("You can look after at most %(max)d relatives (pending requests count)."))
register("A3-02", _("This relative is already on your family page or waiting for confirmation."))
register(
    "A3-03",
    _(
        "Relatives aged %(age)d or under need a birth certificate or household "
        "register page, reviewed by an administrator."
    ),
)
register(
    "A3-04",
    ngettext_lazy(
        "That code is not right. %(left)d try left.",
        "That code is not right. %(left)d tries left.",
        "left",
    ),
)
register(
    "A3-05", _("This code has expired: send a new one and enter it within %(minutes)d minutes.")
)
register(
    "A3-06",
    _("Too many wrong codes: this request has expired. Add the relative again to get a new code."),
)
register(
    "A3-07",
    _(
        "We have no phone number or portal login for this relative, so they cannot "
        "confirm. Ask them to update their phone number at the insurance office."
    ),
)
register("A3-08", _("This request is no longer waiting for a code."))
register("A3-09", _("This request is no longer waiting for review."))
register("A3-10", _("Enter the 6-digit code."))
register(
    "A3-11",
    _(
        "Too many wrong codes for this relative today. Try again tomorrow, or ask them "
        "to confirm from their own login."
    ),
)
# A6: a request whose details matched no record waits like any other; staff may
# only reject it.
register(
    "A3-12",
    _("No insured person matches the details typed for this request: it can only be rejected."),
)
# F2: designated outpatient facility
register(
    "F2-11",
    _(
        "This facility is outside %(name)s's insured region (%(region)s): choose one "
        "in that region."
    ),
)
register("F2-12", _("This facility is not a designated outpatient facility."))
register("F2-13", _("This facility is already the chosen one."))
# F3: non-local registration
register(
    "F3-01",
    _(
        "The destination must be outside the insured region (%(region)s): a "
        "registration is for care elsewhere."
    ),
)
register(
    "F3-02",
    _(
        "This overlaps an active registration (%(kind)s, from %(start)s): cancel it "
        "first or choose another start date."
    ),
)
register(
    "F3-03",
    _("Upload the proof of residence (residence permit), or sign the commitment letter instead."),
)
register("F3-04", _("Tick the box to accept the commitment letter."))
register(
    "F3-05",
    _("Type the name exactly as on the insurance record (%(name)s) or your own name to sign."),
)
register("F3-06", _("The start date cannot be in the past (except for an emergency)."))
register(
    "F3-07", _("A long-term registration needs a proof of residence or a signed commitment letter.")
)
register("F3-08", _("This registration is already cancelled."))
register(
    "F3-09",
    _("The start date can be at most %(days)s days from today: on %(last)s at the latest."),
)
