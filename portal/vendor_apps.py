"""Third-party apps under the portal's own, translated names in the admin
(django-axes and django-otp ship no Chinese). Kept out of portal/apps.py, whose
one AppConfig is the portal's."""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class LockoutsConfig(AxesConfig):
    verbose_name = _("Login lockouts")


class AuthenticatorsConfig(TOTPConfig):
    verbose_name = _("Staff authenticators (TOTP)")


class RecoveryCodesConfig(StaticConfig):
    verbose_name = _("Staff recovery codes")
