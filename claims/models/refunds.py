"""Refunds and reversals of settled bills (退费 / 冲正, RULES.md R1–R6)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claims.models.bills import Bill
from core.fields import ClockDateTimeField, user_field
from core.flow import Flow
from core.money import money_field


class Refund(models.Model):
    """A facility's refund of all or part of a settled bill (R1): the settlement
    reversed whole and what remains settled again, each channel getting back
    what it paid (R2). One row per refund reference (R4); above the four-eyes
    amount it waits for a second member of staff (R5)."""

    class Status(models.TextChoices):
        AWAITING_SECOND = "awaiting_second", _("awaiting a second approval")
        DONE = "done", _("refunded")

    # R5: a refund above the four-eyes amount waits; once done it is final.
    flow = Flow({Status.AWAITING_SECOND: (Status.DONE,)})

    reference = models.CharField(_("refund reference"), max_length=60, unique=True)
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("bill")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.AWAITING_SECOND
    )
    # What was asked for: an amount of the billed cost, or quantities by line
    # position ({"2": "1.000"}); resolved to `lines` when it is carried out.
    requested_amount = money_field(_("amount asked for"), optional=True)
    lines = models.JSONField(_("quantities refunded, by line"), default=dict, blank=True)
    amount = money_field(_("billed cost refunded"), optional=True)
    fund_back = money_field(_("fund payment reversed"), optional=True)
    personal_back = money_field(_("personal part refunded"), optional=True)
    # R2: what each channel got back and paid again ({"wallet": …, "own": …}).
    channels = models.JSONField(_("back the way it was paid"), default=dict, blank=True)
    before = models.JSONField(_("settlement before"), default=dict, blank=True)
    after = models.JSONField(_("settlement after"), default=dict, blank=True)
    old_payment = models.ForeignKey(
        "wallet.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment reversed"),
    )
    new_payment = models.ForeignKey(
        "wallet.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment of what remains"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    requested_by = user_field(_("asked for by"))
    approved_by = user_field(_("second approval by"))
    created_at = ClockDateTimeField(_("asked for"), auto_now_add=True)
    done_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="refund_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.reference
