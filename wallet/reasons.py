"""Numbered, translatable reasons for every refusal of the wallet and pooling
rules (RULES.md W, P), in the one registry (core.reasons).

A service refuses by raising ``Refusal("W6-03", count=3)``: the family reads the
sentence next to the field the reason names (None: above the form); the admin,
tests and logs read the code. Amounts are filled in printed by core.money.yuan.
"""

from django.utils.translation import gettext_lazy as _

from core.reasons import register

register(
    "W1-01",
    _("Wallets cannot be opened in %(province)s: the wallet is not live there yet."),
    field="usage_region",
)
register("W1-02", _("Only an active insured person may open a wallet."))
register(
    "W3-01",
    _("%(province)s does not support changing the usage location of a wallet."),
    field="usage_region",
)
register("W3-02", _("Open the wallet first; its usage location is chosen then."))
register(
    "W4-01",
    _(
        "Only an employee (employee basic medical insurance) can send money from a "
        "personal account; residents have no personal account."
    ),
)
register("W4-02", _("The sender's insurance is not active."))
register("W4-03", _("Open your own wallet before sending money."))
register(
    "W4-04", _("The account holds %(balance)s, less than the %(amount)s to send."), field="amount"
)
register(
    "W5-01",
    _(
        "Money can only go to a close relative (spouse, parents, children, siblings, "
        "grandparents, grandchildren)."
    ),
    field="recipient",
)
register(
    "W5-02",
    _("%(name)s has no open wallet: ask them to open their wallet first, or open it for them."),
    field="recipient",
)
register(
    "W5-03",
    _("%(name)s's wallet is in %(province)s, where the wallet is not live."),
    field="recipient",
)
register("W6-01", _("The smallest transfer is %(min)s."), field="amount")
register("W6-02", _("The largest transfer is %(max)s."), field="amount")
register(
    "W6-03",
    _(
        "At most %(count)s transfers a day, and today's are used up (declined and "
        "returned transfers count too). Try again tomorrow."
    ),
)
register("W6-04", _("At most %(cap)s a day can be sent; %(left)s is left today."), field="amount")
register(
    "W6-05",
    _(
        "Enter an amount in yuan from %(min)s to %(max)s, with at most two decimals "
        "(for example 200 or 99.50)."
    ),
    field="amount",
)
register("W7-01", _("No transfers between %(start)s and %(end)s. Please try again after %(end)s."))
register(
    "W8-01",
    _(
        "Your transfer to %(name)s is still waiting to be accepted; you can send "
        "another once it is accepted, declined or returned."
    ),
)
register("W8-02", _("This transfer is no longer waiting: it is %(state)s."))
register(
    "W9-01",
    _(
        "This transfer was not accepted by %(time)s on the day after it was made, "
        "so it has gone back to the sender."
    ),
)
register("W11-01", _("Money received in a wallet cannot be sent on."), field="source")
register(
    "P1-01",
    _(
        "Family pooling uses an employee's personal account, and %(name)s is not an "
        "active employee."
    ),
)
register("P1-02", _("%(name)s is not a close relative."), field="relative")
register("P1-03", _("This family pooling binding has already ended."))
register(
    "P2-01",
    _("Family pooling covers only spouses, parents and children under the current rules."),
    field="relative",
)
register(
    "P2-02",
    _(
        "Family pooling across provinces is not allowed between %(a)s and %(b)s; "
        "the wallet can be used instead."
    ),
    field="relative",
)
register("P3-01", _("%(name)s has resident insurance premiums only if insured as a resident."))
register("P3-02", _("No premium is set for %(region)s in %(year)s."))
register(
    "P4-01",
    _(
        "%(amount)s is more than the %(available)s available, so nothing "
        "was paid. Choose to pay the rest in cash to go ahead."
    ),
)
