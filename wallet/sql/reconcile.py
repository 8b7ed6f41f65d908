"""The ledger check's incremental reads and its checkpoint (W10,
wallet.services.reconcile): a nightly run reads the entries made since the last
clean run, not every entry the ledger ever had (bench/scale.py: a full run
grows with the region's history, an incremental one with a day's work)."""

from core.sql import statement
from wallet.models import BalanceChange, LedgerAccount, LedgerCheckpoint, LedgerEntry

# Every entry up to the horizon is committed: SHARE mode waits for the
# transactions inserting entries to end (and holds new ones back for as long as
# one index read takes), so no entry below the horizon can appear later.
HORIZON_LOCK = statement(
    "wallet", "ledger_horizon_lock", "LOCK TABLE {e} IN SHARE MODE", e=LedgerEntry
)
HORIZON = statement(
    "wallet", "ledger_horizon", "SELECT coalesce(max({e.pk}), 0) FROM {e} AS e", e=LedgerEntry
)

# Each account with entries after `since`, or whose balance changed (noted by
# the trigger of migration 0010): its stored balance, and what its entries add
# up to (the checkpoint's total plus the entries since).
ACCOUNTS_SINCE = statement(
    "wallet",
    "ledger_accounts_since",
    """
    WITH n AS MATERIALIZED (
        SELECT {e.account} AS account, sum({e.amount}) AS delta
        FROM {e} AS e WHERE {e.pk} > %(since)s GROUP BY 1
    ), ids AS MATERIALIZED (
        SELECT array_agg(account) AS list
        FROM (SELECT account FROM n UNION SELECT {c.account} FROM {c} AS c) AS x
    )
    -- One index probe per account read (= ANY of an array): the accounts of a
    -- day's work, never a scan of the region's accounts.
    SELECT {a.pk}, {a.kind}, {a.balance},
           coalesce((SELECT {k.total} FROM {k} AS k WHERE {k.account} = {a.pk}), 0)
           + coalesce(n.delta, 0)
    FROM {a} AS a LEFT JOIN n ON n.account = {a.pk}
    WHERE {a.pk} = ANY((SELECT list FROM ids)::bigint[])
    ORDER BY {a.pk}
    """,
    a=LedgerAccount,
    c=BalanceChange,
    e=LedgerEntry,
    k=LedgerCheckpoint,
)

# The movements after `since` that are not a pair summing to zero.
MOVEMENTS_SINCE = statement(
    "wallet",
    "ledger_movements_since",
    """
    SELECT {e.movement}, count(*), sum({e.amount}) FROM {e} AS e
    WHERE {e.pk} > %(since)s GROUP BY 1
    HAVING count(*) <> 2 OR sum({e.amount}) <> 0
    LIMIT 100
    """,
    e=LedgerEntry,
)

# A clean run moves the checkpoint: each account's entries in (since, upto]
# added to its total, and the changed balances it read forgotten. A full run
# starts the totals again from nothing.
# TRUNCATE, not DELETE: a region's worth of dead rows left behind would slow
# every posting's note (the trigger's insert) until a vacuum.
CHECKPOINT_CLEAR = statement(
    "wallet", "ledger_checkpoint_clear", "TRUNCATE {k}", k=LedgerCheckpoint
)
CHANGES_CLEAR = statement(
    "wallet",
    "ledger_changes_clear",
    "DELETE FROM {c} AS c WHERE {c.account} = ANY(%(accounts)s::bigint[])",
    c=BalanceChange,
)
CHANGES_CLEAR_ALL = statement("wallet", "ledger_changes_clear_all", "TRUNCATE {c}", c=BalanceChange)
CHECKPOINT = statement(
    "wallet",
    "ledger_checkpoint",
    """
    INSERT INTO {k} AS k ({k:account}, {k:total})
    SELECT {e.account}, sum({e.amount}) FROM {e} AS e
    WHERE {e.pk} > %(since)s AND {e.pk} <= %(upto)s GROUP BY 1
    ON CONFLICT ({k:account}) DO UPDATE SET {k:total} = {k.total} + EXCLUDED.{k:total}
    """,
    e=LedgerEntry,
    k=LedgerCheckpoint,
)
