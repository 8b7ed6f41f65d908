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

# Tables that grow with the region's population (core.sql's scan check).
GROWING = (BatchRow,)
