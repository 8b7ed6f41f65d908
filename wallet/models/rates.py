"""Contribution and premium rates: settings per region, with a national default."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from core.money import money_field, yuan


class RegionalRate(models.Model):
    """A setting per region with a national default (RULES.md: "per region"): a
    row without a region applies to every region without its own row.
    ``in_force`` and ``by_region`` are the one way to pick "the region's row,
    else the national default"."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty: the national default, for every region without its own row."),
    )

    # How rows of one region are ranked when several match (latest first).
    latest_first: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def in_force(cls, *, region_id: int | None, **filters):
        """The region's own row matching ``filters``, else the national default's
        (None when neither exists)."""
        return (
            cls.objects.filter(Q(region_id=region_id) | Q(region__isnull=True), **filters)
            .order_by(F("region_id").asc(nulls_last=True), *cls.latest_first)
            .first()
        )

    @classmethod
    def by_region(cls, *, region_ids, **filters) -> dict:
        """``{region id: row}`` for many regions in one query: each region's own
        row, else the national default's (regions with neither are left out)."""
        region_ids = set(region_ids)
        rows = cls.objects.filter(
            Q(region_id__in=region_ids) | Q(region__isnull=True), **filters
        ).order_by(F("region_id").asc(nulls_last=True), *cls.latest_first)
        found: dict = {}
        for row in rows:
            found.setdefault(row.region_id, row)
        default = found.get(None)
        return {
            region_id: found.get(region_id, default)
            for region_id in region_ids
            if region_id in found or default is not None
        }


class ContributionRate(RegionalRate):
    """Monthly personal-account contribution amounts (a setting): the employee's
    own share plus the part the employer credits. A row without a region is the
    national default; the latest row valid on the month wins, a region's own row
    before the default."""

    valid_from = models.DateField(_("valid from"))
    employee_share = money_field(_("employee share per month"))
    employer_credit = money_field(_("employer part credited per month"))

    latest_first = ("-valid_from",)

    class Meta:
        ordering = ["region", "-valid_from"]
        verbose_name = _("contribution rate")
        verbose_name_plural = _("contribution rates")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "valid_from"],
                condition=Q(region__isnull=False),
                name="contribution_rate_once",
            ),
            models.UniqueConstraint(
                fields=["valid_from"],
                condition=Q(region__isnull=True),
                name="contribution_default_rate_once",
            ),
            models.CheckConstraint(
                condition=Q(employee_share__gte=0, employer_credit__gte=0),
                name="contribution_rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        where = self.region or _("national default")
        share, credit = yuan(self.employee_share), yuan(self.employer_credit)
        return f"{where} {self.valid_from}: {share} + {credit}"

    @property
    def total(self):
        return self.employee_share + self.employer_credit


class PremiumRate(RegionalRate):
    """The resident-insurance premium (individual part) per region and year (a
    setting). A row without a region is the national default."""

    year = models.PositiveSmallIntegerField(_("year"))
    amount = money_field(_("premium"))

    class Meta:
        ordering = ["-year", "region"]
        verbose_name = _("resident premium")
        verbose_name_plural = _("resident premiums")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                condition=Q(region__isnull=False),
                name="premium_rate_once",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(region__isnull=True),
                name="premium_default_rate_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="premium_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region or _('national default')} {self.year}: {yuan(self.amount)}"
