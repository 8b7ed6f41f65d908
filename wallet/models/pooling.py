"""Family pooling bindings (家庭共济, P1)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson
from core import clock
from core.fields import user_field
from core.flow import Flow


class PoolingBinding(models.Model):
    """Family pooling (家庭共济, P1): an employee lets a close relative's bills and
    premiums be paid from the employee's personal account."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        ENDED = "ended", _("ended")

    flow = Flow({Status.ACTIVE: (Status.ENDED,)})  # P1: either side ends it, once

    class EndReason(models.TextChoices):
        EMPLOYEE = "employee", _("ended by the employee")
        RELATIVE = "relative", _("ended by the relative")
        STATUS_CHANGE = "status_change", _("the employee's insurance status changed")

    employee = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="pooling_given",
        verbose_name=_("employee"),
        db_index=False,
    )
    relative = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="pooling_received",
        verbose_name=_("relative"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("bound"), default=clock.now)
    created_by = user_field(_("bound by"), db_index=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = user_field(_("ended by"), db_index=False)
    end_reason = models.CharField(
        _("why it ended"), max_length=16, choices=EndReason.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("family pooling binding")
        verbose_name_plural = _("family pooling bindings")
        indexes = [models.Index(fields=["employee", "status"], name="pooling_employee_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "relative"],
                condition=Q(status="active"),
                name="pooling_one_active_per_pair",
            ),
            models.CheckConstraint(condition=~Q(employee=F("relative")), name="pooling_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.employee.name} → {self.relative.name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
