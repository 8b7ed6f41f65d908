"""What the audit trail records of logging in (A1), the staff second factor and
families' passkeys (A10).
Registered with core.actions, which core.audit checks every row against."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.actions import register


@register
class Action(models.TextChoices):
    AUTH_LOGIN = "auth.login", _("logged in")
    AUTH_LOGOUT = "auth.logout", _("logged out")
    AUTH_LOGIN_FAILED = "auth.login_failed", _("failed login")
    AUTH_LOCKOUT = "auth.lockout", _("login locked after failed logins")
    AUTH_SESSIONS_END = "auth.sessions_end", _("sessions of a login ended")
    TWO_FACTOR_ENROL = "2fa.enrol", _("authenticator enrolled")
    TWO_FACTOR_VERIFY = "2fa.verify", _("second factor checked")
    TWO_FACTOR_WRONG_CODE = "2fa.wrong_code", _("wrong second-factor code")
    TWO_FACTOR_RECOVERY_CODES = "2fa.recovery_codes", _("new recovery codes made")
    TWO_FACTOR_ENROL_LINK = "2fa.enrol_link", _("authenticator enrolment link issued")
    PASSKEY_ADD = "passkey.add", _("passkey added")
    PASSKEY_VERIFY = "passkey.verify", _("login finished with a passkey")
    PASSKEY_REFUSED = "passkey.refused", _("passkey answer refused")
    PASSKEY_REMOVE = "passkey.remove", _("passkey removed")
