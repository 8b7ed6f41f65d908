"""The SMS outbox (no real SMS leaves the portal) and the one-time codes sent
through it to prove a phone (A1)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.people import InsuredPerson
from core import clock
from core.fields import ClockDateTimeField

CODE_MASK = "••••••"
NOTICE = "notice:"  # a message-centre notice also texted: "notice:<message kind>"

# What each text is for, in a sentence (the outbox stores a short purpose).
PURPOSES = {
    "signup_code": _("sign-up code"),
    "reset_code": _("password-reset code"),
    "dependent_code": _("consent code for a dependent account (A3)"),
    "signup_notice": _("notice: someone tried to sign up again with this record"),
}


def purpose_label(purpose: str) -> str:
    """The purpose of a text as staff read it: a sentence, not the stored key."""
    from accounts.models.inbox import MessageKind

    if purpose in PURPOSES:
        return str(PURPOSES[purpose])
    if purpose.startswith(NOTICE):
        kind = purpose.removeprefix(NOTICE)
        label = MessageKind(kind).label if kind in MessageKind.values else kind
        return _("message-centre notice: %(kind)s") % {"kind": label}
    return purpose


class OutboundMessage(models.Model):
    """The SMS outbox: messages the portal would send (no real SMS is sent).

    A message carrying a one-time code keeps the code readable only while it
    waits to be sent and is still valid: once sent, used, replaced or expired,
    the code is blanked out of the text (``redact``), and pages that show the
    outbox mask it already when it has expired (``readable_body``)."""

    phone = models.CharField(_("phone"), max_length=20)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    body = models.TextField(_("message"))
    purpose = models.CharField(_("purpose"), max_length=40)
    created_at = ClockDateTimeField(_("queued"), auto_now_add=True)
    code = models.CharField(_("code (until sent or expired)"), max_length=12, blank=True)
    code_expires_at = models.DateTimeField(_("code valid until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS outbox message")
        verbose_name_plural = _("SMS outbox")

    def __str__(self) -> str:
        return f"{self.phone}: {purpose_label(self.purpose)}"

    @property
    def code_readable(self) -> bool:
        return bool(
            self.code
            and self.sent_at is None
            and (self.code_expires_at is None or clock.now() < self.code_expires_at)
        )

    @property
    def readable_body(self) -> str:
        if self.code and not self.code_readable:
            return self.body.replace(self.code, CODE_MASK)
        return self.body

    @property
    def staff_body(self) -> str:
        """The text as staff read it (the admin's outbox): a live code only in
        the demo (SMS_OUTBOX_SHOWS_CODES, on with DEBUG, where the README's
        walkthrough reads it there), masked everywhere else. A code staff can
        read is a sign-up, a reset or a consent they could complete."""
        if self.code and not settings.SMS_OUTBOX_SHOWS_CODES:
            return self.body.replace(self.code, CODE_MASK)
        return self.readable_body

    def redact(self) -> None:
        """Blank the code out of the stored text (sent, used, replaced or expired)."""
        if self.code:
            self.body = self.body.replace(self.code, CODE_MASK)
            self.code = ""
            self.save(update_fields=["body", "code"])


class CodeChallenge(models.Model):
    """A one-time code sent to prove a phone (A1): to sign up (the phone on the
    insurance record, or one an administrator checked in person) or to set a
    new password. Only a keyed hash of the code is stored; the attempt counts
    and the owner's daily limit are checked by accounts.services.codes."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        RESET = "reset", _("password reset")

    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("insured person"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("portal user"),
    )
    phone = models.CharField(_("sent to"), max_length=20, blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phone checked in person by"),
    )
    message = models.ForeignKey(
        OutboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)
    # A keyed hash of what was typed to ask for the code (the ID number at
    # sign-up, the username or phone for a new password), on every challenge,
    # whether or not it found a record: wrong codes are counted per subject and
    # day, so the count reads the same for records and invented details (A6).
    subject = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"
