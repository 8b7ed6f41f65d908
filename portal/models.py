"""Where a login is logged in: one row per session, so the person can see and end
their other sessions and an administrator can end anyone's (ASVS V7)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from core.fields import ClockDateTimeField


class LoginSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_sessions",
        verbose_name=_("portal user"),
    )
    session_key = models.CharField(_("session"), max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("logged in"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last active"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"


class StaffEnrolmentLink(models.Model):
    """A one-time link to enrol a staff member's first authenticator, issued by
    another administrator (or, for the very first one, `manage.py staff_enrol`).
    Enrolment needs both the staff member's password and this link, so whoever
    learns a new staff password alone cannot put their own phone on the login.
    Only a hash of the link's token is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("Empty: issued on the server (manage.py staff_enrol)."),
    )
    created_at = ClockDateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("authenticator enrolment link")
        verbose_name_plural = _("authenticator enrolment links")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class Passkey(Device):
    """A passkey (WebAuthn credential) a family login added as its second factor
    (A10): after the password, the login is finished by the phone's or
    computer's screen lock, fingerprint or face. Only the public key is kept.
    A django-otp device, so a session it verified reads `user.is_verified()`."""

    credential_id = models.BinaryField(_("credential"), max_length=1023, editable=False)
    public_key = models.BinaryField(_("public key"), editable=False)
    sign_count = models.PositiveBigIntegerField(_("signature counter"), default=0)
    transports = models.JSONField(_("transports"), default=list, blank=True)
    backed_up = models.BooleanField(
        _("synced between devices"),
        default=False,
        help_text=_("Kept by a password manager or phone account, not one device alone."),
    )
    created_at = ClockDateTimeField(_("added"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        constraints = [
            models.UniqueConstraint(fields=["credential_id"], name="passkey_one_credential")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.name}"
