"""The editable numbers of the wallet and pooling rules (W6–W9, W11, P2)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import money_field


class WalletPolicy(models.Model):
    """The editable numbers of the wallet and pooling rules, one row (pk=1),
    seeded with RULES.md's defaults. Services read it inside their transaction."""

    min_amount = money_field(_("smallest transfer (W6)"), default="1.00")
    max_amount = money_field(_("largest transfer (W6)"), default="2000.00")
    daily_count = models.PositiveSmallIntegerField(
        _("transfers per sender per day (W6)"),
        default=3,
        help_text=_("Declined and returned transfers count too."),
    )
    daily_amount_cap = money_field(
        _("amount per sender per day (W6)"),
        null=True,
        blank=True,
        help_text=_("Empty: no cap beyond the per-transfer maximum (the default)."),
    )
    quiet_start = models.TimeField(_("quiet hours start (W7)"), default="22:00")
    quiet_end = models.TimeField(_("quiet hours end (W7)"), default="06:00")
    one_pending = models.BooleanField(
        _("one pending transfer per sender (W8)"),
        default=True,
        help_text=_("While a transfer is pending, its sender cannot start another."),
    )
    sweep_at = models.TimeField(
        _("unclaimed transfers go back at (W9)"),
        default="06:00",
        help_text=_("On the day after the transfer was made."),
    )
    received_money_sendable = models.BooleanField(
        _("received money may be sent on (W11)"), default=False
    )
    cross_province_pooling = models.BooleanField(
        _("cross-province family pooling allowed (P2)"),
        default=True,
        help_text=_("The national setting; a province may override it."),
    )
    pooling_all_close_relatives = models.BooleanField(
        _("pooling with all close relatives (P2)"),
        default=True,
        help_text=_("Since 2024. Off: spouse, parents and children only (the 2021 scope)."),
    )

    class Meta:
        verbose_name = _("wallet rules")
        verbose_name_plural = _("wallet rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0, max_amount__gte=F("min_amount")),
                name="wallet_policy_amounts_sane",
            )
        ]

    def __str__(self) -> str:
        return str(_("wallet rules"))

    @classmethod
    def current(cls) -> "WalletPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
