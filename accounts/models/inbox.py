"""The message centre (消息中心) and per-login preferences: models.

A message is addressed to a portal login (not to an insured person: a son's
login gets the messages about the father he looks after). Services write them
when something happens to the family — a transfer waiting or answered, a
request to look after someone and its answer, a review decided, a registration
ending, a premium due — through accounts.services.messages, on commit. The text
is composed when shown, in the reader's language, from the kind and the facts
stored with the message (names and amounts as they were).
"""

from decimal import InvalidOperation

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models.people import InsuredPerson
from core.fields import ClockDateTimeField
from core.money import yuan


class MessageKind(models.TextChoices):
    TRANSFER_WAITING = "transfer_waiting", _("transfer waiting to be accepted")
    TRANSFER_ACCEPTED = "transfer_accepted", _("transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("transfer declined")
    TRANSFER_RETURNED = "transfer_returned", _("transfer returned by the morning sweep")
    DELEGATION_REQUEST = "delegation_request", _("request to look after someone")
    DELEGATION_ACCEPTED = "delegation_accepted", _("request confirmed")
    DELEGATION_DECLINED = "delegation_declined", _("request declined")
    CHILD_APPROVED = "child_approved", _("child binding approved")
    CHILD_REFUSED = "child_refused", _("child binding refused")
    CHRONIC_APPROVED = "chronic_approved", _("chronic-disease recognition approved")
    CHRONIC_REFUSED = "chronic_refused", _("chronic-disease recognition refused")
    REGISTRATION_ENDING = "registration_ending", _("non-local registration ending")
    PREMIUM_DUE = "premium_due", _("resident premium due")
    CLAIM_SUBMITTED = "claim_submitted", _("out-of-pocket claim received")
    CLAIM_UNDER_REVIEW = "claim_under_review", _("out-of-pocket claim under review")
    CLAIM_APPROVED = "claim_approved", _("out-of-pocket claim approved")
    CLAIM_REFUSED = "claim_refused", _("out-of-pocket claim refused")
    CLAIM_PAID = "claim_paid", _("out-of-pocket claim paid")
    BILL_REFUNDED = "bill_refunded", _("bill refunded")
    NEW_LOGIN = "new_login", _("login from a new device")
    PASSKEY_ADDED = "passkey_added", _("passkey added")
    PASSKEY_REMOVED = "passkey_removed", _("passkey removed")
    RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")


# What the reader sees, by kind; %(…)s are the facts stored with the message.
TEXTS = {
    MessageKind.TRANSFER_WAITING: _(
        "%(sender)s sent %(amount)s to %(recipient)s's wallet. Accept it by 06:00 tomorrow, "
        "or it goes back to %(sender)s."
    ),
    MessageKind.TRANSFER_ACCEPTED: _("%(recipient)s accepted the %(amount)s you sent."),
    MessageKind.TRANSFER_DECLINED: _(
        "%(recipient)s declined the %(amount)s you sent; it is back in your personal account."
    ),
    MessageKind.TRANSFER_RETURNED: _(
        "%(recipient)s did not accept the %(amount)s you sent by 06:00, so it is back in "
        "your personal account. You can send it again."
    ),
    MessageKind.DELEGATION_REQUEST: _(
        "%(requester)s wants to add you to their family page as their %(relation)s. "
        "Confirm or decline on your home page."
    ),
    MessageKind.DELEGATION_ACCEPTED: _("%(person)s confirmed: they are now on your family page."),
    MessageKind.DELEGATION_DECLINED: _(
        "%(person)s declined your request to add them to your family page."
    ),
    MessageKind.CHILD_APPROVED: _(
        "The document was accepted: %(person)s is now on your family page."
    ),
    MessageKind.CHILD_REFUSED: _(
        "The document for %(person)s was not accepted (%(note)s). Add %(person)s again "
        "with a clear photo or scan of the birth certificate or household register page."
    ),
    MessageKind.CHRONIC_APPROVED: _(
        "%(person)s's %(disease)s is recognised as a chronic disease until %(until)s: "
        "outpatient bills for it are now paid at the chronic-disease rate."
    ),
    MessageKind.CHRONIC_REFUSED: _(
        "%(person)s's application for %(disease)s was refused (%(note)s). Ask the "
        "hospital what is missing and apply again."
    ),
    MessageKind.REGISTRATION_ENDING: _(
        "%(person)s's non-local registration in %(destination)s ends on %(end)s. If care "
        "there goes on, file a new registration before then."
    ),
    MessageKind.BILL_REFUNDED: _(
        "%(facility)s refunded %(amount)s of %(person)s's bill %(reference)s. The bill was "
        "settled again: %(back)s is back the way it was paid (wallet, personal account, "
        "family pooling, cash)."
    ),
    MessageKind.PREMIUM_DUE: _(
        "%(person)s's resident premium for %(year)s (%(amount)s) is not paid yet. Pay it "
        "from the wallet or through family pooling on the money page."
    ),
    # M2: the family hears of every step of an out-of-pocket claim.
    MessageKind.CLAIM_SUBMITTED: _(
        "Your claim %(reference)s for %(person)s was received. A reviewer will check "
        "the invoices and the list of expenses."
    ),
    MessageKind.CLAIM_UNDER_REVIEW: _("Your claim %(reference)s for %(person)s is being reviewed."),
    MessageKind.CLAIM_APPROVED: _(
        "Your claim %(reference)s for %(person)s was approved: the fund pays %(amount)s. "
        "It will be paid to your bank account %(account)s."
    ),
    MessageKind.CLAIM_REFUSED: _("Your claim %(reference)s for %(person)s was refused: %(note)s"),
    MessageKind.CLAIM_PAID: _(
        "%(amount)s for claim %(reference)s was paid to your bank account %(account)s "
        "(payment reference %(payment)s)."
    ),
    MessageKind.NEW_LOGIN: _(
        "Your login was used on a new device (%(device)s) at %(when)s. If it was not "
        "you, set a new password now and end the other sessions on the page of where "
        "you are logged in."
    ),
    MessageKind.PASSKEY_ADDED: _(
        "A passkey (%(name)s) was added to your login at %(when)s: logging in now needs it "
        "after the password. If it was not you, set a new password now and call the "
        "insurance office to have the passkey removed."
    ),
    MessageKind.PASSKEY_REMOVED: _(
        "A passkey (%(name)s) was removed from your login at %(when)s. If it was not you, "
        "set a new password now."
    ),
    MessageKind.RECOVERY_CODE_USED: _(
        "A recovery code finished a login to your account at %(when)s instead of a passkey "
        "(%(left)s codes left). If it was not you, set a new password now."
    ),
}

# Facts that are amounts: shown in the one money format of the portal.
AMOUNTS = ("amount", "back")


def _money(value) -> str:
    try:
        return yuan(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _shown(name: str, value):
    """A stored fact as the reader sees it: amounts in the portal's money format,
    a relationship in the reader's language."""
    if name in AMOUNTS:
        return _money(value)
    if name == "relation":
        from accounts.models.dependents import DependentBinding

        try:
            return DependentBinding.Relation(value).label
        except ValueError:
            return value
    return value


class InboxMessage(models.Model):
    """One message in a login's message centre."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox",
        verbose_name=_("portal user"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MessageKind.choices)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about"),
    )
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    important = models.BooleanField(_("important (also by SMS)"), default=False)
    # Jobs that run daily (a registration ending, a premium due) write a message
    # once: the key names the event, e.g. "registration_ending:42".
    key = models.CharField(_("event"), max_length=80, blank=True)
    created_at = ClockDateTimeField(_("sent"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message-centre message")
        verbose_name_plural = _("message centre")
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="inbox_unread"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="inbox_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"

    @property
    def text(self) -> str:
        stored = self.facts or {}
        # A fact stored with its English twin ("disease" and "disease_en") reads
        # in the reader's language.
        english = (get_language() or "").startswith("en")
        facts = {}
        for name, value in stored.items():
            twin = stored.get(f"{name}_en") if english else None
            facts[name] = _shown(name, twin or value)
        try:
            return str(TEXTS[self.kind]) % facts
        except (KeyError, TypeError, ValueError):
            return str(self.get_kind_display())

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class LoginPreference(models.Model):
    """A login's own settings: elder mode (长辈模式) and the language follow the
    login to every device it signs in on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("portal user"),
    )
    elder_mode = models.BooleanField(_("elder mode"), default=False)
    # The language this login chose (a code of settings.LANGUAGES; blank: never
    # chosen). Kept with the login, as elder mode is, so a new browser opens in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    updated_at = ClockDateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("login preference")
        verbose_name_plural = _("login preferences")

    def __str__(self) -> str:
        return str(self.user)
