"""Monthly personal-account contributions (个人账户划入)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson
from core import clock
from core.fields import user_field
from core.money import money_field, yuan


class Contribution(models.Model):
    """One month's contribution to an employee's personal account; at most one per
    person per month, however often the job runs."""

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("employee"),
        db_index=False,  # covered by contribution_once_per_month
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    employee_amount = money_field(_("employee share"))
    employer_amount = money_field(_("employer part"))
    posted_at = models.DateTimeField(_("posted"), default=clock.now)
    posted_by = user_field(_("posted by"), db_index=False)

    class Meta:
        ordering = ["-month", "person"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="contribution_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.month:%Y-%m}: {yuan(self.total)}"

    @property
    def total(self):
        return self.employee_amount + self.employer_amount
