"""The message centre's write (消息中心), and the inbox insert other apps' statements
embed (the morning sweep tells each sender in its own statement)."""

from psycopg import sql as pg

from accounts.models import DependentBinding, InboxMessage, InsuredPerson
from core.sql import Fragment, fragment, statement


def inbox_insert(rows: pg.Composable) -> Fragment:
    """``INSERT INTO`` the message centre from `rows`, a SELECT giving (login,
    kind, person, facts as jsonb, link, important, key, created_at)."""
    return fragment(
        "accounts",
        "inbox_insert",
        """INSERT INTO {m} ({m:user}, {m:kind}, {m:person}, {m:facts}, {m:link}, {m:important},
                            {m:key}, {m:created_at})
           {rows}""",
        m=InboxMessage,
        rows=rows,
    )


# Who hears of it (the person's own login and every login that looks after them,
# A3, plus the named logins) and their messages in one statement, prepared once
# per connection. A money path sends a message on every commit, and looking the
# logins up through the ORM cost a transfer as much as its own three statements
# (bench/transfers.py). An event already told to a login (inbox_event_once) is
# skipped.
MESSAGE_WRITE = statement(
    "accounts",
    "message_write",
    """
    INSERT INTO {m} ({m:user}, {m:kind}, {m:person}, {m:facts}, {m:link}, {m:important}, {m:key},
                     {m:created_at}, {m:read_at})
    SELECT t.user_id, %(kind)s, %(person)s::bigint, %(facts)s::jsonb, %(link)s, %(important)s,
           %(key)s, %(now)s, NULL
    FROM (
        SELECT unnest(%(users)s::bigint[]) AS user_id
        UNION
        SELECT {b.user} FROM {b} b
        WHERE {b.person} = %(family_of)s::bigint AND {b.status} = %(active)s
        UNION
        SELECT {p.user} FROM {p} p WHERE {p.id} = %(family_of)s::bigint
    ) AS t
    WHERE t.user_id IS NOT NULL AND t.user_id IS DISTINCT FROM %(skip)s::bigint
    ORDER BY t.user_id
    ON CONFLICT DO NOTHING
    RETURNING {m:id}
    """,
    serves="transfer",
    m=InboxMessage,
    b=DependentBinding,
    p=InsuredPerson,
)
