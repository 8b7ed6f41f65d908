"""The money app's hand-written SQL (core/sql.py says how and when), one module
per concern: ledger.py (the one posting primitive), transfers.py, payments.py,
sweep.py, wallets.py, cards.py."""

from wallet.models import (
    Contribution,
    LedgerAccount,
    LedgerEntry,
    Payment,
    PoolingBinding,
    Transfer,
    Wallet,
)

# Tables that grow with the region's population (core.sql's scan check).
GROWING = (Wallet, LedgerAccount, LedgerEntry, Transfer, Payment, PoolingBinding, Contribution)
