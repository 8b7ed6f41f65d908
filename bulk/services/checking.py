"""Upload and check (the dry run) of bulk proxy activation (W2).

The file is read twice, streaming: a first pass counts rows and finds anything
that makes the whole file unreadable before a single row is written ("nothing is
half-written"); the second pass checks rows in chunks and stores them.
"""

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from bulk import jobs
from bulk import sql as bulk_sql
from bulk.actions import Action
from bulk.models import Batch, BatchRow
from bulk.reading import Reader, scan
from bulk.reasons import Outcome
from bulk.services.common import COUNTERS, Progress, chunk_size, max_megabytes, max_rows
from bulk.validation import CheckedRow, RegionIndex, check_chunk, chunked
from core import clock
from core.audit import audit_record
from core.tabular import FileProblem
from core.transitions import lock, transition
from wallet.models import Wallet

NOTES = {
    "ignored_columns": _("These columns are not used and were ignored: %(columns)s."),
    "mixed_encodings": _(
        "The file mixes encodings (%(utf8)s lines in UTF-8, %(gbk)s in GBK); each line "
        "was read in its own encoding: check the names in the report."
    ),
    "blank_rows": _("%(n)s blank rows were skipped."),
    "other_sheets": _("Only the first sheet of the workbook was read."),
    "same_file": _(
        "The same file was uploaded before (batch #%(batch)s): rows already opened "
        "then are skipped as already open."
    ),
}


def note_text(note: dict) -> str:
    template = NOTES.get(note.get("code", ""))
    if template is None:
        return ""
    params = note.get("params") or {}
    return str(template) % params if params else str(template)


def _binary(file) -> IO[bytes]:
    """The plain binary file under Django's File wrappers (uploaded or stored)."""
    while isinstance(file, File) and getattr(file, "file", None) is not None:
        file = file.file
    return file


def file_check_header(*, file) -> None:
    """Open the file and read its header row: raises ValidationError with the
    reason for an empty file, a PDF, a non-workbook, missing or doubled columns.
    Cheap (the header only); the rows are read by the check job."""
    size = getattr(file, "size", None)
    if size is not None and size > max_megabytes() * 1024 * 1024:
        problem = FileProblem("too_large", limit=max_megabytes())
        raise ValidationError(problem.message, code=problem.code)
    binary = _binary(file)
    binary.seek(0)
    try:
        Reader(binary)
    except FileProblem as problem:
        raise ValidationError(problem.message, code=problem.code) from None
    finally:
        binary.seek(0)


def _sha256(binary: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    binary.seek(0)
    for block in iter(lambda: binary.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    binary.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def batch_upload(*, file, uploaded_by, queue_check: bool = True) -> Batch:
    """Store an uploaded list and queue its check (the dry run, W2 bulk step 2).

    Refuses (ValidationError, nothing stored) a file whose header cannot be read.
    With queue_check=False the caller runs batch_check itself (the command).
    """
    file_check_header(file=file)
    sha256, size = _sha256(_binary(file))
    name = getattr(file, "name", "") or "upload.csv"
    batch = Batch(
        original_name=name.rsplit("/", 1)[-1][:255],
        size=size,
        sha256=sha256,
        uploaded_by=uploaded_by,
        status=Batch.Status.CHECKING,
    )
    batch.file.save(batch.original_name, File(_binary(file), name=batch.original_name), save=False)
    batch.save()
    audit_record(
        actor=uploaded_by,
        action=Action.BULK_UPLOAD,
        target=batch,
        details={"batch": batch.ref, "file": batch.original_name, "sha256": sha256[:16]},
    )
    if queue_check:
        jobs.enqueue_on_commit(jobs.CHECK, batch.pk)
    return batch


def open_wallet_person_ids(person_ids: set[int]) -> set[int]:
    """The persons among `person_ids` whose wallet is already open (one query)."""
    if not person_ids:
        return set()
    return set(
        Wallet.objects.filter(person_id__in=person_ids, status=Wallet.Status.OPEN).values_list(
            "person_id", flat=True
        )
    )


def _earlier_lines(batch: Batch) -> Callable[[list[str]], dict[str, int]]:
    def lookup(national_ids: list[str]) -> dict[str, int]:
        if not national_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                bulk_sql.EARLIER_LINES.text,
                {
                    "batch": batch.pk,
                    "ids": list(national_ids),
                    "duplicate": Outcome.DUPLICATE.value,
                },
            )
            return dict(cursor.fetchall())

    return lookup


def _insert_rows(batch: Batch, rows: list[CheckedRow]) -> None:
    """Store a chunk of checked rows with COPY (a 100,000-row file would
    otherwise spend most of its check building model instances)."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(bulk_sql.COPY_ROWS.text) as copy,
    ):
        for row in rows:
            copy.write_row(
                (
                    batch.pk,
                    row.line,
                    row.national_id,
                    row.name,
                    row.usage_location,
                    row.phone,
                    row.note,
                    row.person_id,
                    row.region_id,
                    row.outcome,
                    row.reason,
                    row.reason_arg,
                )
            )


def _reject(batch: Batch, token: str, problem: FileProblem) -> None:
    with transaction.atomic():
        batch = _lock_checking(batch, token)
        BatchRow.objects.filter(batch=batch).delete()
        transition(
            batch,
            to=Batch.Status.REJECTED,
            actor=None,  # the check job
            action=Action.BULK_REJECTED,
            locked=True,
            changes={
                "problem": {"code": problem.code, "params": problem.params},
                "checked_at": clock.real_now(),
            },
            details={"batch": batch.ref, "problem": problem.code},
        )


def _reset_counts(batch: Batch) -> None:
    for field in (*COUNTERS.values(), "rows_checked", "rows_total"):
        setattr(batch, field, 0)


class _Superseded(Exception):
    """Another check job took this batch over (a resumed check)."""


def batch_check(*, batch_id: int, progress: Progress | None = None) -> Batch:
    """Check every row of a batch's file and store it with its outcome (the dry
    run): ID check digit (A1), the person by ID and name, active, the usage location
    known and live (W1), duplicates, wallets already open. Writes no wallet.

    Safe to run again (a redelivered or resumed job): a batch no longer being
    checked is left alone; one interrupted mid-check starts over, and the job it
    replaces stops at its next chunk (each run holds a token of its own).
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        batch = lock(Batch, batch_id)
        if batch.status != Batch.Status.CHECKING:
            return batch
        BatchRow.objects.filter(batch=batch).delete()
        _reset_counts(batch)
        batch.run_token = token
        batch.notes = []
        batch.heartbeat_at = clock.real_now()
        batch.save(
            update_fields=[
                *COUNTERS.values(),
                "rows_checked",
                "rows_total",
                "notes",
                "heartbeat_at",
                "run_token",
            ]
        )
    try:
        with batch.file.open("rb") as stored:
            binary = _binary(stored)
            try:
                layout, stats = scan(binary, max_rows=max_rows())
                with transaction.atomic():
                    _lock_checking(batch, token)
                    Batch.objects.filter(pk=batch.pk).update(rows_total=stats.data_rows)
                binary.seek(0)
                _check_rows(batch, token, Reader(binary), progress)
            except FileProblem as problem:
                _reject(batch, token, problem)
                return Batch.objects.get(pk=batch.pk)
        with transaction.atomic():
            batch = _lock_checking(batch, token)
            batch = transition(
                batch,
                to=Batch.Status.CHECKED,
                actor=None,  # the check job
                action=Action.BULK_CHECKED,
                locked=True,
                changes={
                    "notes": _notes(batch, layout.ignored, stats),
                    "checked_at": clock.real_now(),
                },
                details=lambda b: {"batch": b.ref, "rows": b.rows_total, "ready": b.n_ready},
            )
    except _Superseded:
        return Batch.objects.get(pk=batch_id)
    return batch


def _lock_checking(batch: Batch, token: str) -> Batch:
    locked = lock(batch)
    if locked.status != Batch.Status.CHECKING or locked.run_token != token:
        raise _Superseded
    return locked


def _check_rows(batch: Batch, token: str, reader: Reader, progress: Progress | None) -> None:
    regions = RegionIndex()
    earlier = _earlier_lines(batch)
    for chunk in chunked(reader, chunk_size()):
        rows = check_chunk(
            chunk,
            regions=regions,
            earlier_lines=earlier,
            open_person_ids=open_wallet_person_ids,
        )
        counts = Counter(row.outcome for row in rows)
        with transaction.atomic():
            _lock_checking(batch, token)
            _insert_rows(batch, rows)
            Batch.objects.filter(pk=batch.pk).update(
                rows_checked=F("rows_checked") + len(rows),
                heartbeat_at=clock.real_now(),
                **{COUNTERS[o]: F(COUNTERS[o]) + n for o, n in counts.items()},
            )
        if progress is not None:
            batch.refresh_from_db()
            progress(batch)


def _notes(batch: Batch, ignored: list[str], stats) -> list[dict]:
    notes: list[dict] = []
    if ignored:
        notes.append({"code": "ignored_columns", "params": {"columns": ", ".join(ignored)}})
    if stats.mixed_encodings:
        notes.append(
            {
                "code": "mixed_encodings",
                "params": {"utf8": stats.encodings["utf-8"], "gbk": stats.encodings["gbk"]},
            }
        )
    if stats.blank_rows:
        notes.append({"code": "blank_rows", "params": {"n": stats.blank_rows}})
    if stats.other_sheets:
        notes.append({"code": "other_sheets", "params": {}})
    earlier = (
        Batch.objects.filter(sha256=batch.sha256, pk__lt=batch.pk)
        .exclude(status=Batch.Status.REJECTED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if earlier:
        notes.append({"code": "same_file", "params": {"batch": earlier}})
    return notes
