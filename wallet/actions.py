"""What the audit trail records of money (RULES.md W, P): wallets, transfers,
pooling, contributions, payments. Registered with core.actions, which
core.audit checks every row against."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.actions import register


@register
class Action(models.TextChoices):
    WALLET_OPEN = "wallet.open", _("wallet opened")
    WALLET_CHANGE_USAGE = "wallet.change_usage", _("wallet usage location changed")
    TRANSFER_CREATE = "transfer.create", _("transfer sent")
    TRANSFER_ACCEPTED = "transfer.accepted", _("transfer accepted")
    TRANSFER_DECLINED = "transfer.declined", _("transfer declined")
    TRANSFER_RETURNED = "transfer.returned", _("transfer returned")
    TRANSFER_SWEEP = "transfer.sweep", _("morning sweep ran")
    POOLING_BIND = "pooling.bind", _("family pooling bound")
    POOLING_END = "pooling.end", _("family pooling ended")
    CONTRIBUTION_POST = "contribution.post", _("monthly contribution posted")
    PAYMENT_CREATE = "payment.create", _("payment made")
    PAYMENT_REFUND = "payment.refund", _("payment refunded the way it was paid")
