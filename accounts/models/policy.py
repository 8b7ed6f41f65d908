"""The editable numbers of the people rules (A3, F2, F3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountsPolicy(models.Model):
    """Editable numbers for the people rules (one row; seeded from RULES.md)."""

    max_dependents = models.PositiveSmallIntegerField(
        _("dependents per user at most (A3)"), default=5
    )
    review_age_limit = models.PositiveSmallIntegerField(
        _("relatives this age or younger need a reviewed document (A3)"), default=16
    )
    code_ttl_minutes = models.PositiveSmallIntegerField(
        _("one-time code valid for (minutes)"), default=10
    )
    code_max_attempts = models.PositiveSmallIntegerField(
        _("wrong code attempts allowed"), default=5
    )
    facility_change_delay_days = models.PositiveSmallIntegerField(
        _("designated facility change takes effect after (days) (F2)"), default=1
    )
    temporary_registration_months = models.PositiveSmallIntegerField(
        _("temporary non-local registration valid for (months) (F3)"), default=6
    )

    class Meta:
        verbose_name = _("people rules")
        verbose_name_plural = _("people rules")

    def __str__(self) -> str:
        return str(_("people rules"))

    @classmethod
    def current(cls) -> "AccountsPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
