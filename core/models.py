"""The ground floor's two tables: the audit trail and the periodic jobs'
heartbeats. Both moved here from the apps above without touching the database
(their tables keep their names: ``accounts_auditevent``, ``portal_heartbeat``).

The audit row names the person it is about with a foreign key to the model in
``settings.AUDIT_PERSON_MODEL`` (the people app's insured person): the key,
its ON DELETE SET NULL and the admin's joins stay, and this floor imports no app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import Action
from core.fields import user_field


class AuditEvent(models.Model):
    """Append-only audit trail: who did what, for whom, when (Zulip-style actions)."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = user_field(_("who"))
    person = models.ForeignKey(
        settings.AUDIT_PERSON_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for whom"),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True, choices=Action.choices)
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
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

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
