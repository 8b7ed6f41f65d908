"""Writes for money (RULES.md W, P): keyword-only, atomic, audited.

The public entry points other apps use are re-exported here:
``wallet.services.payout_for_person``, ``wallet.services.wallet_open`` and
``wallet.services.wallet_open_bulk``.
"""

from wallet.services.contributions import contribution_post, contributions_post_month
from wallet.services.payments import payout_for_person, premium_for, premium_pay
from wallet.services.pooling import (
    pooling_bind,
    pooling_check,
    pooling_end,
    pooling_end_for_employee,
)
from wallet.services.sweep import transfers_sweep
from wallet.services.transfers import transfer_accept, transfer_create, transfer_decline
from wallet.services.wallets import wallet_change_usage, wallet_open, wallet_open_bulk

__all__ = [
    "contribution_post",
    "contributions_post_month",
    "payout_for_person",
    "pooling_bind",
    "pooling_check",
    "pooling_end",
    "pooling_end_for_employee",
    "premium_for",
    "premium_pay",
    "transfer_accept",
    "transfer_create",
    "transfer_decline",
    "transfers_sweep",
    "wallet_change_usage",
    "wallet_open",
    "wallet_open_bulk",
]
