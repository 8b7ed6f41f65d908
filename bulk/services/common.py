"""What the two halves of bulk activation share: limits read from settings, the
counter field for each row outcome, the progress callback type."""

import datetime
from collections.abc import Callable

from django.conf import settings

from bulk.models import Batch
from bulk.reasons import Outcome

Progress = Callable[[Batch], None]

# A job that has shown no progress for this long is presumed dead (its worker was
# killed); the batch page then offers to resume it. Chunks take about a second.
STALE_AFTER = datetime.timedelta(minutes=2)

# Counter field on Batch for each row outcome.
COUNTERS = {
    Outcome.READY: "n_ready",
    Outcome.ACTIVATED: "n_activated",
    Outcome.ALREADY_OPEN: "n_already_open",
    Outcome.DUPLICATE: "n_duplicate",
    Outcome.INVALID: "n_invalid",
    Outcome.FAILED: "n_failed",
}


def max_rows() -> int:
    return int(getattr(settings, "BULK_ACTIVATION_MAX_ROWS", 1_000_000))


def max_megabytes() -> int:
    return int(getattr(settings, "BULK_ACTIVATION_MAX_MB", 200))


def chunk_size() -> int:
    return int(getattr(settings, "BULK_ACTIVATION_CHUNK", 2000))
