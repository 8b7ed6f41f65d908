"""Bulk proxy activation's hand-written SQL (core/sql.py says how and when): a
chunk of checked rows is stored with COPY (a 100,000-row file would otherwise
spend most of its check building model instances)."""

from bulk.models import BatchRow
from core.sql import statement

# The columns a checked row is stored with, in the order COPY is given them.
ROW_FIELDS = ("batch", *BatchRow.AS_TYPED, "person", "region", "outcome", "reason", "reason_arg")

COPY_ROWS = statement(
    "bulk",
    "batch_rows_copy",
    "COPY {r} (" + ", ".join(f"{{r:{name}}}" for name in ROW_FIELDS) + ") FROM STDIN",
    r=BatchRow,
)

# A chunk's outcomes, one statement per distinct outcome: the rows by primary
# key from one array parameter (an IN list of a chunk's thousands of ids made
# the ORM's update cost a quarter of the activation job, bench/bulk_activate.py).
OUTCOMES_SET = statement(
    "bulk",
    "batch_rows_outcome",
    """
    UPDATE {r} r SET {r:outcome} = %(outcome)s, {r:reason} = %(reason)s,
                     {r:reason_arg} = %(arg)s
    WHERE {r.id} = ANY(%(ids)s::bigint[]) AND {r.outcome} = %(ready)s
    """,
    r=BatchRow,
)

# The first line each of these ID numbers was seen on in a batch's earlier
# chunks (duplicates within a file, W2): one array parameter, not an IN list.
EARLIER_LINES = statement(
    "bulk",
    "batch_rows_earlier",
    """
    SELECT {r.national_id}, min({r.line}) FROM {r} r
    WHERE {r.batch} = %(batch)s AND {r.national_id} = ANY(%(ids)s::text[])
      AND {r.outcome} <> %(duplicate)s
    GROUP BY {r.national_id}
    """,
    r=BatchRow,
)

# Tables that grow with the region's population (core.sql's scan check).
GROWING = (BatchRow,)
