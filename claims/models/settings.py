"""Editable numbers for the claims rules (RULES.md C5, T2, T3): one row each,
seeded with the RULES.md defaults, changed in the admin, never literals in code."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ClaimsSettings(models.Model):
    """The claims rules' global numbers (one row, pk=1)."""

    chronic_validity_years = models.PositiveSmallIntegerField(
        _("chronic recognition valid for (years) (C5)"),
        default=2,
        # 0 would approve recognitions that end the day before they start.
        validators=[MinValueValidator(1)],
    )
    default_class_b_share = models.DecimalField(
        _("class-B first-pay share where a region sets none (%) (C1)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
    )
    unregistered_claim_reduction = models.DecimalField(
        _("out-of-pocket claim without registration: further reduction (points) (M4)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
        help_text=_(
            "M4: an unregistered non-local visit claimed out of pocket is paid at the "
            "other-temporary rate less this many further points."
        ),
    )
    tax_threshold = models.DecimalField(
        _("major-illness deduction: personal share above (T2)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("15000"),
    )
    tax_cap = models.DecimalField(
        _("major-illness deduction: at most (T2)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("80000"),
    )

    class Meta:
        verbose_name = _("claims rules")
        verbose_name_plural = _("claims rules")

    def __str__(self) -> str:
        return str(_("claims rules"))

    @classmethod
    def current(cls) -> "ClaimsSettings":
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class CommercialPlan(models.Model):
    """A reimbursement-type commercial policy (T3): what share of the cost left
    after basic insurance it pays, and what share of the whole cost it pays when
    basic insurance was not used first."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    rate_with_basic = models.DecimalField(
        _("pays when basic insurance was used first (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=PERCENT,
    )
    rate_without_basic = models.DecimalField(
        _("pays when basic insurance was not used (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=PERCENT,
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("commercial insurance plan")
        verbose_name_plural = _("commercial insurance plans")

    def __str__(self) -> str:
        return self.name
