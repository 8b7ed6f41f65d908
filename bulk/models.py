"""Batches of bulk proxy activation (W2) and their rows (permission
``bulk.bulk_proxy_activate``). Their tables keep the names they had when the
models lived in the wallet app (migration bulk 0001)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bulk.reasons import Outcome
from core import clock
from core.fields import ClockDateTimeField
from core.flow import Flow


class Batch(models.Model):
    """One uploaded file: checked (a dry run), then confirmed and run in chunks.

    Counters are kept on the batch, updated in the same transaction as each chunk's
    writes, so progress pages read one row and a resumed job starts where the last
    committed chunk ended.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("checking the file")
        REJECTED = "rejected", _("file refused")
        CHECKED = "checked", _("checked: waiting for confirmation")
        CANCELLED = "cancelled", _("cancelled")
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("opening wallets")
        DONE = "done", _("done")

    WAITING = (Status.CHECKING, Status.QUEUED, Status.RUNNING)  # a job is on it
    # W2: checked (a dry run), then confirmed or cancelled, then run to the end.
    flow = Flow(
        {
            Status.CHECKING: (Status.CHECKED, Status.REJECTED),
            Status.CHECKED: (Status.QUEUED, Status.CANCELLED),
            Status.QUEUED: (Status.RUNNING,),
            Status.RUNNING: (Status.DONE,),
        }
    )

    file = models.FileField(_("file"), upload_to="bulk/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    # A file-level problem ({"code": ..., "params": {...}}, reading.FileProblem) and
    # notes for the preview ([{"code": ..., "params": {...}}]): stored as codes, shown
    # in the reader's language.
    problem = models.JSONField(_("problem"), default=dict, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    n_ready = models.PositiveIntegerField(_("ready"), default=0)
    n_activated = models.PositiveIntegerField(_("opened"), default=0)
    n_already_open = models.PositiveIntegerField(_("already open"), default=0)
    n_duplicate = models.PositiveIntegerField(_("duplicates"), default=0)
    n_invalid = models.PositiveIntegerField(_("problems"), default=0)
    n_failed = models.PositiveIntegerField(_("failed"), default=0)
    ready_at_start = models.PositiveIntegerField(default=0, editable=False)
    run_token = models.CharField(max_length=32, blank=True, editable=False)  # the check job's

    created_at = ClockDateTimeField(_("uploaded"), auto_now_add=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        db_table = "wallet_batch"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk proxy activation")
        verbose_name_plural = _("bulk proxy activations")
        default_permissions = ()
        permissions = [
            ("bulk_proxy_activate", _("Can open wallets in bulk by proxy (W2)")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def ref(self) -> str:
        """The batch reference written on every wallet and audit row it opens."""
        return f"bulk-{self.pk}"

    @property
    def n_skipped(self) -> int:
        return self.n_already_open + self.n_duplicate

    @property
    def n_not_opened(self) -> int:
        return self.n_invalid + self.n_failed

    @property
    def rows_done(self) -> int:
        """Rows with a final outcome (problems and skips count as done)."""
        if self.status in (self.Status.CHECKING, self.Status.REJECTED):
            return self.rows_checked
        return self.rows_total - self.n_ready

    @property
    def percent(self) -> int:
        if self.status == self.Status.CHECKING:
            return int(100 * self.rows_checked / self.rows_total) if self.rows_total else 0
        if self.status in (self.Status.CHECKED, self.Status.CANCELLED, self.Status.REJECTED):
            return 0
        if not self.rows_total:
            return 100
        return int(100 * self.rows_done / self.rows_total)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED, self.Status.REJECTED)

    def time_left(self, now: datetime.datetime | None = None) -> datetime.timedelta | None:
        """Estimated from the pace since the job started; None before there is one."""
        if self.status != self.Status.RUNNING or not self.started_at:
            return None
        processed = self.ready_at_start - self.n_ready
        elapsed = ((now or clock.real_now()) - self.started_at).total_seconds()
        if processed <= 0 or elapsed <= 0:
            return None
        return datetime.timedelta(seconds=round(self.n_ready * elapsed / processed))


class BatchRow(models.Model):
    """One data row of a batch's file, as typed (normalised), with its outcome.

    Kept compact (short text columns, a code and an argument instead of a message)
    because a batch may hold a million rows; written with bulk_create per chunk.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("row"))
    national_id = models.CharField(_("national ID number"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    usage_location = models.CharField(_("usage location"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    person = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=5, blank=True)  # "W2-05"
    reason_arg = models.CharField(max_length=60, blank=True)

    # The row as the file gave it (echoed back in the report, in this order).
    AS_TYPED = ("line", "national_id", "name", "usage_location", "phone", "note")

    class Meta:
        db_table = "wallet_batchrow"
        ordering = ["batch", "line"]
        verbose_name = _("bulk activation row")
        verbose_name_plural = _("bulk activation rows")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="bulk_row_once_per_line"),
        ]
        indexes = [
            # The job picks the next chunk of ready rows in file order.
            models.Index(fields=["batch", "outcome", "line"], name="bulk_row_outcome"),
            # Duplicates are looked up by ID number within the batch, per chunk.
            models.Index(fields=["batch", "national_id"], name="bulk_row_national_id"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.outcome}"
