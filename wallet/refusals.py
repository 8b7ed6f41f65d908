"""Numbered, translatable reasons for every refusal (openIMIS-style reason codes).

A service refuses by raising ``Refusal("W6.3", count=3)``: a ``ValidationError``
whose ``code`` is the reason number, whose message is a translated sentence naming
the rule, and whose ``field`` tells a form where to show it (None: above the form).
"""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _

REASONS = {
    "W1.1": (
        "usage_region",
        _("W1: wallets cannot be opened in %(province)s: the wallet is not live there yet."),
    ),
    "W1.2": (None, _("W1: only an active insured person may open a wallet.")),
    "W2.1": (None, _("W2: you can open a wallet only for yourself or a relative bound to you.")),
    "W3.1": (
        "usage_region",
        _("W3: %(province)s does not support changing the usage location of a wallet."),
    ),
    "W3.2": (None, _("W3: open the wallet first; its usage location is chosen then.")),
    "W4.1": (
        None,
        _(
            "W4: only an employee (employee basic medical insurance) can send money from a "
            "personal account; residents have no personal account."
        ),
    ),
    "W4.2": (None, _("W4: the sender's insurance is not active.")),
    "W4.3": (None, _("W4: open your own wallet before sending money.")),
    "W4.4": (
        "amount",
        _("W4: the account holds %(balance)s yuan, less than the %(amount)s yuan to send."),
    ),
    "W5.1": (
        "recipient",
        _(
            "W5: money can only go to a close relative (spouse, parents, children, siblings, "
            "grandparents, grandchildren)."
        ),
    ),
    "W5.2": (
        "recipient",
        _(
            "W5: %(name)s has no open wallet: ask them to open their wallet first, or open "
            "it for them (W2)."
        ),
    ),
    "W5.3": (
        "recipient",
        _("W5: %(name)s's wallet is in %(province)s, where the wallet is not live."),
    ),
    "W6.1": ("amount", _("W6: the smallest transfer is %(min)s yuan.")),
    "W6.2": ("amount", _("W6: the largest transfer is %(max)s yuan.")),
    "W6.3": (
        None,
        _(
            "W6: at most %(count)s transfers a day, and today's are used up (declined and "
            "returned transfers count too). Try again tomorrow."
        ),
    ),
    "W6.4": (
        "amount",
        _("W6: at most %(cap)s yuan a day can be sent; %(left)s yuan is left today."),
    ),
    "W6.5": (
        "amount",
        _(
            "W6: enter an amount in yuan from %(min)s to %(max)s, with at most two decimals "
            "(for example 200 or 99.50)."
        ),
    ),
    "W7.1": (
        None,
        _("W7: no transfers between %(start)s and %(end)s. Please try again after %(end)s."),
    ),
    "W8.1": (
        None,
        _(
            "W8: your transfer to %(name)s is still waiting to be accepted; you can send "
            "another once it is accepted, declined or returned."
        ),
    ),
    "W8.2": (None, _("W8: this transfer is no longer waiting: it is %(state)s.")),
    "W9.1": (
        None,
        _(
            "W9: this transfer was not accepted by %(time)s on the day after it was made, "
            "so it has gone back to the sender."
        ),
    ),
    "W11.1": ("source", _("W11: money received in a wallet cannot be sent on.")),
    "P1.1": (
        None,
        _(
            "P1: family pooling uses an employee's personal account, and %(name)s is not an "
            "active employee."
        ),
    ),
    "P1.2": ("relative", _("P1: %(name)s is not a close relative.")),
    "P1.3": (None, _("P1: this family pooling binding has already ended.")),
    "P2.1": (
        "relative",
        _("P2: family pooling covers only spouses, parents and children under the current rules."),
    ),
    "P2.2": (
        "relative",
        _(
            "P2: family pooling across provinces is not allowed between %(a)s and %(b)s; "
            "the wallet (W) can be used instead."
        ),
    ),
    "P3.1": (
        None,
        _("P3: %(name)s has resident insurance premiums only if insured as a resident."),
    ),
    "P3.2": (None, _("P3: no premium is set for %(region)s in %(year)s.")),
    "P4.1": (
        None,
        _(
            "P4: %(amount)s yuan is more than the %(available)s yuan available, so nothing "
            "was paid. Choose to pay the rest in cash to go ahead."
        ),
    ),
}


def yuan(value) -> str:
    """An amount of money as every refusal prints it: two decimals, grouped the
    way the active language groups them (2,000.00 in English, 2000.00 in
    Chinese), the same as the pages' ``floatformat:"2g"``."""
    return floatformat(value, "2g")


class Refusal(ValidationError):
    """A rule said no. ``code`` is the reason number ("W6.3"), ``field`` the form
    field the message belongs to (None: the whole form)."""

    def __init__(self, code: str, **params) -> None:
        field, message = REASONS[code]
        super().__init__(message, code=code, params={k: str(v) for k, v in params.items()})
        self.field = field

    def __str__(self) -> str:
        return self.messages[0]
