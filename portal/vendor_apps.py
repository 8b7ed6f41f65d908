"""Third-party apps under the portal's own, translated names in the admin
(django-axes and django-otp ship no Chinese). Kept out of portal/apps.py, whose
one AppConfig is the portal's.

django-otp names its models and fields in English without gettext, and
django-axes names its rows with a UTC timestamp to the microsecond; each app's
``ready()`` gives them translated names and rows a time in China Standard Time
to the second. Only the names the pages read change (``verbose_name``,
``help_text``, ``__str__``); each renamed field still describes itself to the
migration autodetector as it was declared (``deconstruct``), so no migration is
due for these apps."""

from axes.apps import AppConfig as AxesConfig
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig

# The fields every django-otp device has: (verbose name, help text).
DEVICE_FIELDS = {
    "user": (_("staff login"), _("The login this device belongs to.")),
    "name": (_("device name"), _("A name to tell this device from others.")),
    "confirmed": (_("in use"), _("Whether this device may be used to log in.")),
    "throttling_failure_timestamp": (
        _("last wrong code"),
        _("When the last wrong code was entered (wrong codes slow the next try)."),
    ),
    "throttling_failure_count": (
        _("wrong codes in a row"),
        _("Wrong codes since the last right one."),
    ),
    "created_at": (_("added"), _("When this device was added.")),
    "last_used_at": (_("last used"), _("When this device last proved a login.")),
}
TOTP_FIELDS = {
    "key": (_("secret key"), _("The secret shared with the authenticator app.")),
    "step": (_("time step (seconds)"), _("How long each code is valid.")),
    "t0": (_("start time"), _("The Unix time from which steps are counted.")),
    "digits": (_("digits"), _("How many digits a code has.")),
    "tolerance": (_("tolerance (steps)"), _("Codes this many steps early or late are accepted.")),
    "drift": (_("clock drift (steps)"), _("How far the authenticator's clock is off.")),
    "last_t": (_("last step used"), _("A code is never accepted twice.")),
}
STATIC_TOKEN_FIELDS = {
    "device": (_("recovery codes"), ""),
    "token": (_("recovery code"), ""),
}


def _as_declared(field):
    name, path, args, kwargs = field.deconstruct()
    return lambda: (name, path, list(args), dict(kwargs))


def name_fields(model, names: dict) -> None:
    for field_name, (verbose_name, help_text) in names.items():
        field = model._meta.get_field(field_name)
        field.deconstruct = _as_declared(field)
        field.verbose_name = verbose_name
        field.help_text = help_text


def name_model(model, singular, plural) -> None:
    model._meta.verbose_name = singular
    model._meta.verbose_name_plural = plural


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}" if moment else "—"


def _attempt_str(self) -> str:
    return gettext("Wrong passwords for %(login)s, last at %(time)s") % {
        "login": self.username or "—",
        "time": _when(self.attempt_time),
    }


def _log_str(self) -> str:
    return gettext("Login of %(login)s at %(time)s") % {
        "login": self.username or "—",
        "time": _when(self.attempt_time),
    }


def _failure_str(self) -> str:
    return gettext("Wrong password for %(login)s at %(time)s from %(ip)s") % {
        "login": self.username or "—",
        "time": _when(self.attempt_time),
        "ip": self.ip_address or "—",
    }


class LockoutsConfig(AxesConfig):
    verbose_name = _("Login lockouts")

    def ready(self) -> None:
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt_str
        AccessLog.__str__ = _log_str
        AccessFailureLog.__str__ = _failure_str


class AuthenticatorsConfig(TOTPConfig):
    verbose_name = _("Staff authenticators (TOTP)")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        name_model(TOTPDevice, _("authenticator app"), _("authenticator apps"))
        name_fields(TOTPDevice, {**DEVICE_FIELDS, **TOTP_FIELDS})


class RecoveryCodesConfig(StaticConfig):
    verbose_name = _("Staff recovery codes")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

        name_model(StaticDevice, _("set of recovery codes"), _("sets of recovery codes"))
        name_fields(StaticDevice, DEVICE_FIELDS)
        name_model(StaticToken, _("recovery code"), _("recovery codes"))
        name_fields(StaticToken, STATIC_TOKEN_FIELDS)
