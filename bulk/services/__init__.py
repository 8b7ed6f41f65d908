"""Writes of bulk proxy activation (W2): upload, check (the dry run), confirm,
cancel, and the activation job. Keyword-only, audited, safe to re-run.

The file is read twice, streaming: a first pass counts rows and finds anything
that makes the whole file unreadable before a single row is written ("nothing is
half-written"); the second pass checks rows in chunks and stores them. The job
then opens wallets chunk by chunk; each chunk's wallets, audit rows, row outcomes
and counters commit in one transaction, which is the checkpoint a resumed job
starts from.
"""

from bulk.services.checking import (
    batch_check,
    batch_upload,
    file_check_header,
    note_text,
    open_wallet_person_ids,
)
from bulk.services.common import STALE_AFTER, chunk_size, max_megabytes, max_rows
from bulk.services.running import (
    BatchRefused,
    batch_cancel,
    batch_confirm,
    batch_is_stale,
    batch_resume,
    batch_run,
)

__all__ = [
    "STALE_AFTER",
    "BatchRefused",
    "batch_cancel",
    "batch_check",
    "batch_confirm",
    "batch_is_stale",
    "batch_resume",
    "batch_run",
    "batch_upload",
    "chunk_size",
    "file_check_header",
    "max_megabytes",
    "max_rows",
    "note_text",
    "open_wallet_person_ids",
]
