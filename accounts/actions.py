"""What the audit trail records of people (RULES.md A, F): records, relationships,
dependents, facilities, registrations, sign-up and its codes. Registered with
core.actions, which core.audit checks every row against."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.actions import register


@register
class Action(models.TextChoices):
    PERSON_CLAIM = "person.claim", _("claimed an insurance record (sign-up)")
    PERSON_QR_ROTATE = "person.qr_rotate", _("renewed the insurance QR code")
    RELATIONSHIP_CREATE = "relationship.create", _("recorded a relationship")
    RELATIONSHIP_DELETE = "relationship.delete", _("removed a relationship")
    DEPENDENT_REQUEST = "dependent.request", _("asked to add a dependent")
    DEPENDENT_ACTIVATE = "dependent.activate", _("dependent account activated")
    DEPENDENT_CODE_WRONG = "dependent.code_wrong", _("wrong confirmation code")
    DEPENDENT_CODE_RESEND = "dependent.code_resend", _("confirmation code sent again")
    DEPENDENT_EXPIRE = "dependent.expire", _("dependent request expired (wrong codes today)")
    DEPENDENT_DECLINE = "dependent.decline", _("relative declined a dependent request")
    DEPENDENT_REJECT = "dependent.reject", _("child binding rejected")
    DEPENDENT_END = "dependent.end", _("dependent account ended")
    FACILITY_CHOOSE = "facility.choose", _("designated facility chosen")
    REGISTRATION_FILE = "registration.file", _("non-local registration filed")
    REGISTRATION_CANCEL = "registration.cancel", _("non-local registration cancelled")
    PERSON_VERIFY_IN_PERSON = (
        "person.verify_in_person",
        _("identity checked in person, sign-up code texted"),
    )
    SIGNUP_COMPLETE = "signup.complete", _("signed up with the texted code")
    SIGNUP_CODE_WRONG = "signup.code_wrong", _("wrong sign-up code")
    SMS_SEND = "sms.send", _("text message queued")
    AUTH_PASSWORD_RESET = "auth.password_reset", _("new password set with a texted code")
    RESET_CODE_WRONG = "reset.code_wrong", _("wrong password-reset code")
    AUTH_RESET_ASKED = "auth.reset_asked", _("a new password was asked for (login found or not)")
    LOCKOUT_LIFT = "auth.lockout_lift", _("login lockout lifted by staff")
