"""Writes of bulk proxy activation (W2): upload, check (the dry run), confirm,
cancel, and the activation job. Keyword-only, audited, safe to re-run.

The file is read twice, streaming: a first pass counts rows and finds anything
that makes the whole file unreadable before a single row is written ("nothing is
half-written"); the second pass checks rows in chunks and stores them. The job
then opens wallets chunk by chunk; each chunk's wallets, audit rows, row outcomes
and counters commit in one transaction, which is the checkpoint a resumed job
starts from.
"""

import datetime
import hashlib
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson, PersonStatus, Region
from accounts.services import audit_record
from wallet.bulk.models import Batch, BatchRow
from wallet.bulk.reading import FileProblem, Reader, scan
from wallet.bulk.reasons import Outcome, Reason
from wallet.bulk.validation import CheckedRow, RegionIndex, check_chunk, chunked
from wallet.bulk.wallets import open_person_ids, open_wallets
from wallet.refusals import Refusal
from wallet.services import wallet_open

logger = logging.getLogger(__name__)

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


def max_rows() -> int:
    return int(getattr(settings, "BULK_ACTIVATION_MAX_ROWS", 1_000_000))


def max_megabytes() -> int:
    return int(getattr(settings, "BULK_ACTIVATION_MAX_MB", 200))


def chunk_size() -> int:
    return int(getattr(settings, "BULK_ACTIVATION_CHUNK", 2000))


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
    if queue_check:
        from wallet.bulk import tasks

        transaction.on_commit(lambda: tasks.enqueue(tasks.bulk_check, batch.pk))
    return batch


def open_wallet_person_ids(person_ids: set[int]) -> set[int]:
    """The persons among `person_ids` whose wallet is already open (one query)."""
    if not person_ids:
        return set()
    return open_person_ids(person_ids)


def _earlier_lines(batch: Batch) -> Callable[[list[str]], dict[str, int]]:
    def lookup(national_ids: list[str]) -> dict[str, int]:
        if not national_ids:
            return {}
        found: dict[str, int] = {}
        rows = (
            BatchRow.objects.filter(batch=batch, national_id__in=national_ids)
            .exclude(outcome=Outcome.DUPLICATE)
            .values_list("national_id", "line")
        )
        for nid, line in rows:
            found[nid] = min(line, found.get(nid, line))
        return found

    return lookup


def _row_model(batch: Batch, row: CheckedRow) -> BatchRow:
    return BatchRow(
        batch=batch,
        line=row.line,
        national_id=row.national_id,
        name=row.name,
        usage_location=row.usage_location,
        phone=row.phone,
        note=row.note,
        person_id=row.person_id,
        region_id=row.region_id,
        outcome=row.outcome,
        reason=row.reason,
        reason_arg=row.reason_arg,
    )


ROW_FIELDS = (
    "batch",
    "line",
    "national_id",
    "name",
    "usage_location",
    "phone",
    "note",
    "person",
    "region",
    "outcome",
    "reason",
    "reason_arg",
)


def _insert_rows(batch: Batch, rows: list[CheckedRow]) -> None:
    """Store a chunk of checked rows: COPY on PostgreSQL (a 100,000-row file would
    otherwise spend most of its check building model instances), bulk_create
    elsewhere."""
    if connection.vendor != "postgresql":
        BatchRow.objects.bulk_create([_row_model(batch, row) for row in rows])
        return
    meta = BatchRow._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in ROW_FIELDS)
    table = connection.ops.quote_name(meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN"  # identifiers from the model
        ) as copy,
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
        batch.status = Batch.Status.REJECTED
        batch.problem = {"code": problem.code, "params": problem.params}
        batch.checked_at = timezone.now()
        batch.save(update_fields=["status", "problem", "checked_at"])


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
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status != Batch.Status.CHECKING:
            return batch
        BatchRow.objects.filter(batch=batch).delete()
        _reset_counts(batch)
        batch.run_token = token
        batch.notes = []
        batch.heartbeat_at = timezone.now()
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
            batch.notes = _notes(batch, layout.ignored, stats)
            batch.status = Batch.Status.CHECKED
            batch.checked_at = timezone.now()
            batch.save(update_fields=["notes", "status", "checked_at"])
    except _Superseded:
        return Batch.objects.get(pk=batch_id)
    return batch


def _lock_checking(batch: Batch, token: str) -> Batch:
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
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
                heartbeat_at=timezone.now(),
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


# -- confirm, cancel, resume -------------------------------------------------------


class BatchRefused(ValidationError):
    pass


def _refuse_unless(batch: Batch, *statuses: str) -> None:
    if batch.status not in statuses:
        raise BatchRefused(
            _("Batch #%(batch)s is %(status)s: it cannot be changed that way now."),
            code="batch_state",
            params={"batch": batch.pk, "status": batch.get_status_display()},
        )


@transaction.atomic
def batch_confirm(*, batch_id: int, acting_user, queue_run: bool = True) -> Batch:
    """The administrator confirms a checked batch: its ready rows will be opened by
    proxy in their name (W2). Queues the job once the confirmation commits."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    _refuse_unless(batch, Batch.Status.CHECKED)
    if batch.n_ready == 0:
        raise BatchRefused(_("No row is ready to open: nothing to confirm."), code="nothing")
    batch.status = Batch.Status.QUEUED
    batch.confirmed_by = acting_user
    batch.confirmed_at = timezone.now()
    batch.ready_at_start = batch.n_ready
    batch.save(update_fields=["status", "confirmed_by", "confirmed_at", "ready_at_start"])
    audit_record(
        actor=acting_user,
        action="wallet.bulk_confirm",
        target=batch,
        details={"batch": batch.ref, "rows": batch.rows_total, "ready": batch.n_ready},
    )
    if queue_run:
        from wallet.bulk import tasks

        transaction.on_commit(lambda: tasks.enqueue(tasks.bulk_run, batch.pk))
    return batch


@transaction.atomic
def batch_cancel(*, batch_id: int, acting_user) -> Batch:
    """Cancel a checked batch (the preview's "cancel"): nothing is opened."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    _refuse_unless(batch, Batch.Status.CHECKED)
    batch.status = Batch.Status.CANCELLED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=acting_user, action="wallet.bulk_cancel", target=batch, details={"batch": batch.ref}
    )
    return batch


def batch_is_stale(batch: Batch) -> bool:
    """A job should be on this batch but has shown no progress for a while (its
    worker was killed): the page offers to resume it."""
    if batch.status not in Batch.WAITING:
        return False
    last = batch.heartbeat_at or batch.confirmed_at or batch.created_at
    return timezone.now() - last > STALE_AFTER


def batch_resume(*, batch_id: int, acting_user) -> Batch:
    """Queue the job of a batch again (after a worker was killed). Harmless if the
    old job is still alive: chunks lock the batch, so no row is done twice."""
    batch = Batch.objects.get(pk=batch_id)
    _refuse_unless(batch, *Batch.WAITING)
    from wallet.bulk import tasks

    audit_record(
        actor=acting_user, action="wallet.bulk_resume", target=batch, details={"batch": batch.ref}
    )
    task = tasks.bulk_check if batch.status == Batch.Status.CHECKING else tasks.bulk_run
    transaction.on_commit(lambda: tasks.enqueue(task, batch.pk))
    return batch


# -- the activation job -------------------------------------------------------------


def batch_run(*, batch_id: int, progress: Progress | None = None) -> Batch:
    """Open the wallets of a confirmed batch's ready rows by proxy (W2), chunk by
    chunk, in the name of the administrator who confirmed it, with the batch
    reference on every wallet and audit row.

    Each chunk is one transaction: the batch row is locked, the next ready rows are
    taken in file order, the wallets and ledger accounts are inserted set-based
    (conflicts ignored: nothing opens twice), and the rows' outcomes and the
    batch's counters are written before the commit. So a job killed mid-chunk
    leaves that chunk untouched, and running it again (or two at once) ends with
    every row done exactly once.
    """
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (Batch.Status.QUEUED, Batch.Status.RUNNING):
            return batch
        if batch.status == Batch.Status.QUEUED:
            batch.status = Batch.Status.RUNNING
            batch.started_at = batch.heartbeat_at = timezone.now()
            batch.save(update_fields=["status", "started_at", "heartbeat_at"])
    acting_user = batch.confirmed_by
    while True:
        with transaction.atomic():
            batch = Batch.objects.select_for_update().get(pk=batch_id)
            if batch.status != Batch.Status.RUNNING:
                return batch
            rows = list(
                BatchRow.objects.filter(batch=batch, outcome=Outcome.READY)
                .order_by("line")
                .values_list("pk", "person_id", "region_id")[: chunk_size()]
            )
            if not rows:
                return _finish(batch, acting_user)
            _store_outcomes(batch, _open_chunk(batch, rows, acting_user))
        if progress is not None:
            batch.refresh_from_db()
            progress(batch)


Result = tuple[str, str, str]  # outcome, reason, reason argument
OPENED: Result = (Outcome.ACTIVATED, "", "")


def _open_chunk(batch: Batch, rows: list, acting_user) -> dict[int, Result]:
    """Outcome per row id. Set-based; if the chunk's insert fails, row by row, so
    one bad row never stops the others."""
    results: dict[int, Result] = {}
    gone = [pk for pk, person_id, region_id in rows if person_id is None or region_id is None]
    for pk in gone:  # the person or region record was deleted since the check
        results[pk] = (Outcome.INVALID, Reason.PERSON_NOT_FOUND, "")
    rows = [row for row in rows if row[0] not in results]
    try:
        with transaction.atomic():
            opened = set(
                open_wallets(
                    rows=[(person_id, region_id) for _, person_id, region_id in rows],
                    acting_user=acting_user,
                    batch_ref=batch.ref,
                )
            )
    except Exception:  # the chunk rolled back to its savepoint: try each row alone
        logger.exception("bulk batch %s: chunk insert failed, opening row by row", batch.pk)
        return results | _open_one_by_one(batch, rows, acting_user)
    not_opened = [row for row in rows if row[1] not in opened]
    results |= {pk: OPENED for pk, person_id, _ in rows if person_id in opened}
    if not_opened:
        results |= _explain(batch, not_opened, acting_user)
    return results


def _explain(batch: Batch, rows: list, acting_user) -> dict[int, Result]:
    """Why wallet_open_bulk skipped these rows: open since the check (a skip), the
    person or the province changed since the check, or a closed wallet, which is
    opened again one by one."""
    person_ids = {person_id for _, person_id, _ in rows}
    open_now = open_wallet_person_ids(person_ids)
    statuses = dict(InsuredPerson.objects.filter(pk__in=person_ids).values_list("pk", "status"))
    regions = {
        region.pk: region
        for region in Region.objects.select_related("province").filter(
            pk__in={region_id for _, _, region_id in rows}
        )
    }
    results: dict[int, Result] = {}
    reopen = []
    for pk, person_id, region_id in rows:
        province = regions[region_id].province
        if person_id in open_now:
            results[pk] = (Outcome.ALREADY_OPEN, Reason.ALREADY_OPEN, "")
        elif statuses.get(person_id) != PersonStatus.ACTIVE:
            results[pk] = (Outcome.INVALID, Reason.PERSON_NOT_ACTIVE, statuses.get(person_id, ""))
        elif not province.wallet_live:
            results[pk] = (Outcome.INVALID, Reason.LOCATION_NOT_LIVE, province.code)
        else:
            reopen.append((pk, person_id, region_id))
    return results | _open_one_by_one(batch, reopen, acting_user)


def _open_one_by_one(batch: Batch, rows: list, acting_user) -> dict[int, Result]:
    if not rows:
        return {}
    persons = InsuredPerson.objects.in_bulk({person_id for _, person_id, _ in rows})
    regions = Region.objects.select_related("province").in_bulk({r for _, _, r in rows})
    results: dict[int, Result] = {}
    for pk, person_id, region_id in rows:
        try:
            with transaction.atomic():
                wallet = wallet_open(
                    person=persons[person_id],
                    usage_region=regions[region_id],
                    acting_user=acting_user,
                    by_proxy=True,
                    batch_ref=batch.ref,
                )
            if wallet.batch_ref == batch.ref:
                results[pk] = OPENED
            else:
                results[pk] = (Outcome.ALREADY_OPEN, Reason.ALREADY_OPEN, "")
        except Refusal as refusal:
            if refusal.code == "W1.2":
                results[pk] = (Outcome.INVALID, Reason.PERSON_NOT_ACTIVE, "")
            else:
                province = regions[region_id].province.code
                results[pk] = (Outcome.INVALID, Reason.LOCATION_NOT_LIVE, province)
        except Exception as exc:  # one bad row never stops the others (item 5)
            logger.exception("bulk batch %s: row %s failed", batch.pk, pk)
            results[pk] = (Outcome.FAILED, Reason.FAILED, type(exc).__name__)
    return results


def _store_outcomes(batch: Batch, results: dict[int, Result]) -> None:
    """Write the chunk's outcomes (one UPDATE per distinct outcome) and move the
    counters, in the chunk's transaction: the checkpoint."""
    groups: dict[Result, list[int]] = defaultdict(list)
    for pk, result in results.items():
        groups[result].append(pk)
    moved: Counter = Counter()
    for (outcome, reason, arg), pks in groups.items():
        BatchRow.objects.filter(pk__in=pks, outcome=Outcome.READY).update(
            outcome=outcome, reason=reason, reason_arg=str(arg)[:60]
        )
        moved[outcome] += len(pks)
    Batch.objects.filter(pk=batch.pk).update(
        n_ready=F("n_ready") - sum(moved.values()),
        heartbeat_at=timezone.now(),
        **{COUNTERS[o]: F(COUNTERS[o]) + n for o, n in moved.items()},
    )


def _finish(batch: Batch, acting_user) -> Batch:
    batch.status = Batch.Status.DONE
    batch.finished_at = batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["status", "finished_at", "heartbeat_at"])
    audit_record(
        actor=acting_user,
        action="wallet.bulk_done",
        target=batch,
        details={
            "batch": batch.ref,
            "opened": batch.n_activated,
            "skipped": batch.n_skipped,
            "not_opened": batch.n_not_opened,
        },
    )
    return batch
