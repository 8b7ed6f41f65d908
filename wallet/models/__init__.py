"""Money (RULES.md W, P), one module per subdomain:

ledger.py         accounts and their append-only entry pairs (W10), the sign convention,
                  the recorded runs of the ledger check
wallets.py        wallets and their usage location (W1–W3)
transfers.py      wallet transfers (W4–W9)
pooling.py        family pooling bindings (P1)
policy.py         the editable numbers of the W and P rules
rates.py          contribution and premium rates: the region's row, else the national default
contributions.py  monthly personal-account contributions
payments.py       payments for a person and how they were paid (W11, P3, P4, C6)
"""

from wallet.models.contributions import Contribution
from wallet.models.ledger import (
    HOLDING_SHARDS,
    INTERNAL_KINDS,
    PERSON_KINDS,
    SINK_KINDS,
    SINK_SHARDS,
    SOURCE_KINDS,
    AccountKind,
    BalanceChange,
    LedgerAccount,
    LedgerCheck,
    LedgerCheckpoint,
    LedgerEntry,
    MovementKind,
)
from wallet.models.payments import Payment
from wallet.models.policy import WalletPolicy
from wallet.models.pooling import PoolingBinding
from wallet.models.rates import ContributionRate, PremiumRate, RegionalRate
from wallet.models.transfers import Transfer, new_idempotency_key
from wallet.models.wallets import Wallet

__all__ = [
    "HOLDING_SHARDS",
    "INTERNAL_KINDS",
    "PERSON_KINDS",
    "SINK_KINDS",
    "SINK_SHARDS",
    "SOURCE_KINDS",
    "AccountKind",
    "BalanceChange",
    "Contribution",
    "ContributionRate",
    "LedgerAccount",
    "LedgerCheck",
    "LedgerCheckpoint",
    "LedgerEntry",
    "MovementKind",
    "Payment",
    "PoolingBinding",
    "PremiumRate",
    "RegionalRate",
    "Transfer",
    "Wallet",
    "WalletPolicy",
    "new_idempotency_key",
]
