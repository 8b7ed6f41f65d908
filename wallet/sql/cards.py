"""The family page's money cards in one prepared statement (wallet.selectors):
each person's balances, transfers waiting for them, and their wallet with its
usage location (accounts' region read). Compiling the ORM's query cost four
times running it, and every page of the family shows it."""

from accounts.sql import people
from core.sql import col, statement
from wallet.models import LedgerAccount, Transfer, Wallet

CARDS = statement(
    "wallet",
    "family_cards",
    """
    SELECT p.id,
        (SELECT {a.balance} FROM {a} a WHERE {a.person} = p.id AND {a.kind} = %(personal)s),
        (SELECT {b.balance} FROM {b} b WHERE {b.person} = p.id AND {b.kind} = %(wallet)s),
        (SELECT count(*) FROM {t} t WHERE {t.recipient} = p.id AND {t.state} = %(pending)s),
        {w.*}, rp.*
    FROM unnest(%(ids)s::bigint[]) AS p (id)
    LEFT JOIN {w} w ON {w.person} = p.id
    LEFT JOIN {usage} rp ON true
    """,
    serves="family page",
    a=LedgerAccount,
    b=LedgerAccount,
    t=Transfer,
    w=Wallet,
    usage=people.region_with_province(col("w", Wallet, "usage_region")),
)
