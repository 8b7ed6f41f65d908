"""Confirm, cancel, resume and the activation job of bulk proxy activation (W2).

The job opens wallets chunk by chunk; each chunk's wallets, audit rows, row
outcomes and counters commit in one transaction, which is the checkpoint a resumed
job starts from.
"""

import logging
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson, PersonStatus, Region
from bulk import jobs
from bulk import sql as bulk_sql
from bulk.actions import Action
from bulk.models import Batch, BatchRow
from bulk.reasons import Outcome, Reason
from bulk.services.checking import open_wallet_person_ids
from bulk.services.common import COUNTERS, STALE_AFTER, Progress, chunk_size
from core import clock
from core.audit import audit_record
from core.reasons import Refusal
from core.transitions import lock, transition
from wallet.services import wallet_open, wallet_open_bulk

logger = logging.getLogger(__name__)


class BatchRefused(ValidationError):
    pass


def _refused(batch: Batch) -> BatchRefused:
    return BatchRefused(
        _("Batch #%(batch)s is %(status)s: it cannot be changed that way now."),
        code="batch_state",
        params={"batch": batch.pk, "status": batch.get_status_display()},
    )


def _refuse_unless(batch: Batch, *statuses: str) -> None:
    if batch.status not in statuses:
        raise _refused(batch)


def _something_ready(batch: Batch) -> None:
    if batch.n_ready == 0:
        raise BatchRefused(_("No row is ready to open: nothing to confirm."), code="nothing")


@transaction.atomic
def batch_confirm(*, batch_id: int, acting_user, queue_run: bool = True) -> Batch:
    """The administrator confirms a checked batch: its ready rows will be opened by
    proxy in their name (W2). Queues the job once the confirmation commits."""
    batch = transition(
        lock(Batch, batch_id),
        to=Batch.Status.QUEUED,
        actor=acting_user,
        action=Action.BULK_CONFIRM,
        locked=True,
        refuse=_refused,
        check=_something_ready,
        changes=lambda b: {
            "confirmed_by": acting_user,
            "confirmed_at": clock.real_now(),
            "ready_at_start": b.n_ready,
        },
        details=lambda b: {"batch": b.ref, "rows": b.rows_total, "ready": b.n_ready},
    )
    if queue_run:
        jobs.enqueue_on_commit(jobs.RUN, batch.pk)
    return batch


@transaction.atomic
def batch_cancel(*, batch_id: int, acting_user) -> Batch:
    """Cancel a checked batch (the preview's "cancel"): nothing is opened."""
    return transition(
        lock(Batch, batch_id),
        to=Batch.Status.CANCELLED,
        actor=acting_user,
        action=Action.BULK_CANCEL,
        locked=True,
        refuse=_refused,
        changes={"finished_at": clock.real_now()},
        details=lambda b: {"batch": b.ref},
    )


def batch_is_stale(batch: Batch) -> bool:
    """A job should be on this batch but has shown no progress for a while (its
    worker was killed): the page offers to resume it."""
    if batch.status not in Batch.WAITING:
        return False
    last = batch.heartbeat_at or batch.confirmed_at or batch.created_at
    return clock.real_now() - last > STALE_AFTER


def batch_resume(*, batch_id: int, acting_user) -> Batch:
    """Queue the job of a batch again (after a worker was killed). Harmless if the
    old job is still alive: chunks lock the batch, so no row is done twice."""
    batch = Batch.objects.get(pk=batch_id)
    _refuse_unless(batch, *Batch.WAITING)
    audit_record(
        actor=acting_user, action=Action.BULK_RESUME, target=batch, details={"batch": batch.ref}
    )
    jobs.enqueue_on_commit(
        jobs.CHECK if batch.status == Batch.Status.CHECKING else jobs.RUN, batch.pk
    )
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
        batch = lock(Batch, batch_id)
        if batch.status not in (Batch.Status.QUEUED, Batch.Status.RUNNING):
            return batch
        now = clock.real_now()
        # A resumed job finds the batch running already: nothing to change.
        batch = transition(
            batch,
            to=Batch.Status.RUNNING,
            actor=batch.confirmed_by,
            action=Action.BULK_START,
            locked=True,
            changes={"started_at": now, "heartbeat_at": now},
            details=lambda b: {"batch": b.ref, "ready": b.n_ready},
        )
    acting_user = batch.confirmed_by
    while True:
        with transaction.atomic():
            batch = lock(Batch, batch_id)
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
                wallet_open_bulk(
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
            if refusal.code == "W1-02":
                results[pk] = (Outcome.INVALID, Reason.PERSON_NOT_ACTIVE, "")
            else:
                province = regions[region_id].province.code
                results[pk] = (Outcome.INVALID, Reason.LOCATION_NOT_LIVE, province)
        except Exception as exc:  # one bad row never stops the others (W2: the rest still open)
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
    with connection.cursor() as cursor:
        for (outcome, reason, arg), pks in groups.items():
            cursor.execute(
                bulk_sql.OUTCOMES_SET.text,
                {
                    "outcome": outcome,
                    "reason": reason,
                    "arg": str(arg)[:60],
                    "ids": pks,
                    "ready": Outcome.READY.value,
                },
            )
            moved[outcome] += len(pks)
    Batch.objects.filter(pk=batch.pk).update(
        n_ready=F("n_ready") - sum(moved.values()),
        heartbeat_at=clock.real_now(),
        **{COUNTERS[o]: F(COUNTERS[o]) + n for o, n in moved.items()},
    )


def _finish(batch: Batch, acting_user) -> Batch:
    now = clock.real_now()
    return transition(
        batch,
        to=Batch.Status.DONE,
        actor=acting_user,
        action=Action.BULK_DONE,
        locked=True,
        changes={"finished_at": now, "heartbeat_at": now},
        details=lambda b: {
            "batch": b.ref,
            "opened": b.n_activated,
            "skipped": b.n_skipped,
            "not_opened": b.n_not_opened,
        },
    )
