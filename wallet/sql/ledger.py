"""The ledger's one way of posting money (W10): every movement, whoever makes it
(a transfer, its answer, the morning sweep, a payment, a contribution), is written
by the CTEs ``posting()`` gives, inside the caller's statement.

The caller's statement defines a CTE of *legs*, one row per entry:
``(movement uuid, account_id bigint, amount numeric, kind text, ref text, at
timestamptz)``, the legs of each movement summing to zero. The primitive then

1. inserts the legs as ledger entries (append-only; migration 0002),
2. adds up the change per account,
3. locks those accounts in ascending pk order (FOR NO KEY UPDATE: the one lock
   order of every money path, so two movements never wait for each other in a
   circle; a lock the caller already holds costs nothing), and
4. applies each account's change to its stored balance (the balance
   CheckConstraint refuses an overdraft).

The database refuses a movement whose entries do not sum to zero (migration
0009): each inserting statement adds up its movements, and one it leaves
unbalanced is checked again by a constraint trigger deferred to the commit, so a
movement written by anything but this primitive cannot unbalance the ledger
either.
"""

from psycopg import sql as pg

from core.sql import compose, statement
from wallet.models import LedgerAccount, LedgerEntry

_POSTING = """
posted_entries AS (
    INSERT INTO {e} ({e:movement}, {e:account}, {e:amount}, {e:kind}, {e:ref}, {e:at})
    SELECT movement, account_id, amount, kind, ref, at FROM {legs}
), posted_deltas AS (
    SELECT account_id, SUM(amount) AS delta FROM {legs} GROUP BY account_id
), posted_locked AS (
    -- Rows are locked as the sort emits them: ascending pk.
    SELECT {a.id}, d.delta
    FROM {a} a JOIN posted_deltas d ON d.account_id = {a.id} {only}
    ORDER BY {a.id}
    FOR NO KEY UPDATE OF a
), posted AS (
    UPDATE {a} a SET {a:balance} = {a.balance} + l.delta
    FROM posted_locked l
    WHERE {a.id} = l.id
    RETURNING {a.id}
)"""


def posting(legs: str = "legs", *, accounts: str = "") -> pg.Composed:
    """The posting CTEs (to follow the caller's `legs` CTE in its WITH list; the
    last is ``posted``, one row per account changed). `accounts`: the name of a
    parameter holding the accounts' ids as an array, for legs whose row count
    the planner cannot see (a JSON document): it then reads them by index."""
    only = pg.SQL("")
    if accounts:
        only = pg.SQL("AND {} = ANY({}::bigint[])").format(
            pg.Identifier("a", LedgerAccount._meta.pk.column), pg.SQL(f"%({accounts})s")
        )
    return compose(_POSTING, e=LedgerEntry, a=LedgerAccount, legs=pg.Identifier(legs), only=only)


# One movement of two legs: `amount` out of one account into another (transfer
# answers, contributions; ledger.post_pair).
POST_PAIR = statement(
    "wallet",
    "post_pair",
    """
    WITH legs AS (
        SELECT %(movement)s::uuid AS movement, x.account_id, x.amount, %(kind)s::text AS kind,
               %(ref)s::text AS ref, %(at)s::timestamptz AS at
        FROM (VALUES (%(out_of)s::bigint, -%(amount)s::numeric),
                     (%(into)s::bigint, %(amount)s::numeric)) AS x (account_id, amount)
    ), {posting}
    SELECT count(*) FROM posted
    """,
    serves="transfer",
    posting=posting(),
)

# Ledger accounts opened for persons in bulk (a wallet's account, bulk proxy
# activation): empty, once per person and kind.
ACCOUNTS_OPEN = statement(
    "wallet",
    "accounts_open",
    """
    INSERT INTO {a} ({a:kind}, {a:person}, {a:shard}, {a:balance}, {a:created_at})
    SELECT %(kind)s, x, 0, 0, %(now)s FROM unnest(%(persons)s::bigint[]) AS x
    ON CONFLICT DO NOTHING
    """,
    a=LedgerAccount,
)

# The ledger check's one snapshot (wallet.services.reconcile): every read of a
# run sees the same committed money, however it moves meanwhile.
SNAPSHOT = statement(
    "wallet", "ledger_snapshot", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
)
