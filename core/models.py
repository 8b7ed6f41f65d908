"""The ground floor's tables: the audit trail, the periodic jobs' heartbeats and
the job outbox. The first two moved here from the apps above without touching the
database (their tables keep their names: ``accounts_auditevent``,
``portal_heartbeat``).

The audit row names the person it is about with a foreign key to the model in
``settings.AUDIT_PERSON_MODEL`` (the people app's insured person): the key,
its ON DELETE SET NULL and the admin's joins stay, and this floor imports no app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import actions, clock
from core.fields import ClockDateTimeField, user_field
from core.flow import Flow


class AuditEvent(models.Model):
    """Append-only audit trail: who did what, for whom, when (Zulip-style actions)."""

    at = ClockDateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = user_field(_("who"))
    person = models.ForeignKey(
        settings.AUDIT_PERSON_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for whom"),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True, choices=actions.choices)
    target = models.CharField(_("object"), max_length=100, blank=True)  # "wallet.Transfer:42"
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Snapshots taken when the row is written, so the trail still says who and for
    # whom after a user or person is deleted (the foreign keys then become NULL).
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    person_label = models.CharField(_("for whom (as recorded)"), max_length=80, blank=True)

    class Meta:
        db_table = "accounts_auditevent"
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        # China Standard Time, and the action as a sentence (the key is in the list).
        return f"{clock.localtime(self.at):%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class Heartbeat(models.Model):
    """Last time a periodic job ran; shows that the worker and beat are alive."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_seen = models.DateTimeField(_("last seen"))
    runs = models.PositiveBigIntegerField(_("runs"), default=0)

    class Meta:
        db_table = "portal_heartbeat"
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class Job(models.Model):
    """The job outbox: a Celery job recorded in the same transaction as the work
    that needs it, and handed to the broker once that transaction commits. If the
    broker does not answer, the job stays here (pending) and the relay sends it
    when it is back; a job whose worker died (no progress for a while) is sent
    again. Every job this outbox carries is idempotent, so "again" is harmless.

    ``subject`` names what the job works on ("bulk.Batch:12"), so a page can tell
    the truth about it: queued, waiting for the worker, running, stopped.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("queued: not yet accepted by the job queue")
        SENT = "sent", _("waiting for the worker")
        STARTED = "started", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("stopped with an error")

    IN_FLIGHT = (Status.PENDING, Status.SENT, Status.STARTED)
    # Set by core/jobs.py only, with compare-and-set updates from the sender and
    # Celery's signals (bookkeeping, no person acts: no audit row). A job sent
    # again goes back to SENT; an operator may send a stopped one again.
    flow = Flow(
        {
            Status.PENDING: (Status.SENT, Status.STARTED, Status.DONE, Status.FAILED),
            Status.SENT: (Status.STARTED, Status.DONE, Status.FAILED),
            Status.STARTED: (Status.SENT, Status.DONE, Status.FAILED),
            Status.FAILED: (Status.PENDING,),
        }
    )

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    subject = models.CharField(_("works on"), max_length=100, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # The worker (Celery node name) that last started it: when a worker of that
    # name starts again, the job was left half done by its previous life.
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    sends = models.PositiveSmallIntegerField(_("times sent"), default=0)
    runs = models.PositiveSmallIntegerField(_("times started"), default=0)
    created_at = models.DateTimeField(_("recorded"), default=clock.real_now)
    sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_error = models.CharField(_("last problem"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            # The relay's queue: only jobs still in flight are in it.
            models.Index(
                fields=["status", "created_at"],
                condition=models.Q(status__in=["pending", "sent", "started"]),
                name="core_job_in_flight_idx",
            ),
            models.Index(fields=["subject", "-created_at"], name="core_job_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.get_status_display()})"


class ClockOffset(models.Model):
    """The offset of the portal's clock from the real time (core/clock.py): one
    row, present only while an operator has set a test clock (PORTAL_TEST_CLOCK)."""

    SINGLETON = 1

    offset = models.DurationField(_("offset from the real time"))
    set_at = models.DateTimeField(_("set at (real time)"), default=clock.real_now)
    set_by = user_field(_("set by"))

    class Meta:
        verbose_name = _("test clock")
        verbose_name_plural = _("test clock")

    def __str__(self) -> str:
        return f"{self.offset}"
