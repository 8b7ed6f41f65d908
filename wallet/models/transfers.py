"""Wallet transfers (W4–W9)."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson
from core import clock
from core.fields import user_field
from core.flow import Flow
from core.money import money_field, yuan
from wallet.models.ledger import LedgerAccount


class Transfer(models.Model):
    """A wallet transfer (W4–W9): money moves from the sender's personal account to
    the holding account at once, and from there to the recipient's wallet when they
    accept, or back to the sender when they decline or nobody answers by the
    morning sweep (W9)."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the recipient")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        RETURNED = "returned", _("returned (not accepted in time)")

    # W8, W9: a pending transfer is accepted, declined or swept back, once.
    flow = Flow({State.PENDING: (State.ACCEPTED, State.DECLINED, State.RETURNED)}, field="state")

    class Source(models.TextChoices):
        PERSONAL = "personal", _("personal account")
        WALLET = "wallet", _("wallet (received money, W11)")

    sender = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="transfers_sent",
        verbose_name=_("sender"),
        db_index=False,  # covered by transfer_idempotency_key_once (sender first)
    )
    recipient = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="transfers_received",
        verbose_name=_("recipient"),
        db_index=False,
    )
    amount = money_field(_("amount"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    source = models.CharField(
        _("paid from"), max_length=10, choices=Source.choices, default=Source.PERSONAL
    )
    # The three accounts the money passes through, fixed at creation so the
    # decline, accept and sweep never have to look them up again.
    from_account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("from account"),
    )
    holding_account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("holding account"),
    )
    to_account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("to account"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    created_by = user_field(_("created by"), db_index=False)
    local_day = models.DateField(_("day"), help_text=_("China Standard Time (W6)."))
    due_back_at = models.DateTimeField(_("returned if not accepted by"))
    single_pending = models.BooleanField(
        _("one pending at a time (W8)"),
        default=True,
        help_text=_("W8 was on when it was made: no other pending one allowed."),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = user_field(_("decided by"), db_index=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            # A sender's own rows are few (at most the daily count per day), so the
            # idempotency key's index serves every lookup by sender; one index
            # less to write on each create and each sweep update.
            models.Index(fields=["recipient", "local_day"], name="transfer_recipient_day_idx"),
            # The morning sweep's queue: only pending rows are in it.
            models.Index(
                fields=["due_back_at", "id"],
                condition=Q(state="pending"),
                name="transfer_pending_due_idx",
            ),
        ]
        constraints = [
            # A double click or a retried request makes one transfer.
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"], name="transfer_idempotency_key_once"
            ),
            # W8: one pending transfer per sender, whatever races the service loses.
            models.UniqueConstraint(
                fields=["sender"],
                condition=Q(state="pending", single_pending=True),
                name="transfer_one_pending_per_sender",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(sender=F("recipient")), name="transfer_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="transfer_decided_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender.name} → {self.recipient.name}: {yuan(self.amount)}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


def new_idempotency_key() -> str:
    return uuid.uuid4().hex
