"""Reads of bulk proxy activation (W2): the batch list, a batch's problems and the
rows of its report, streamed in file order."""

from collections.abc import Iterator

from django.db.models import QuerySet

from bulk.models import Batch, BatchRow
from bulk.reasons import Outcome

PREVIEW_PROBLEMS = 20  # the preview shows the first problems; the report has all


def batch_list() -> QuerySet[Batch]:
    return Batch.objects.select_related("uploaded_by", "confirmed_by").order_by("-pk")


def batch_problems(*, batch: Batch, limit: int = PREVIEW_PROBLEMS) -> list[BatchRow]:
    """The first rows that will not be opened or are skipped, in file order."""
    return list(
        BatchRow.objects.filter(batch=batch)
        .exclude(outcome__in=(Outcome.READY, Outcome.ACTIVATED))
        .order_by("line")
        .only("line", "national_id", "name", "outcome", "reason", "reason_arg")[:limit]
    )


def report_rows(*, batch: Batch, chunk: int = 2000) -> Iterator[BatchRow]:
    """Every row of the batch in file order, streamed (a server-side cursor on
    PostgreSQL): a 1,000,000-row report never sits in memory."""
    return (
        BatchRow.objects.filter(batch=batch)
        .order_by("line")
        .only(*BatchRow.AS_TYPED, "outcome", "reason", "reason_arg")
        .iterator(chunk_size=chunk)
    )
