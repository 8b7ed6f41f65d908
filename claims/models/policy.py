"""Regional reimbursement policies (C3, C4) and non-local reductions (F4)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuranceType, Region
from claims.models.settings import PERCENT


class CareType(models.TextChoices):
    """The policy row a bill is settled under (C3)."""

    GENERAL_OUTPATIENT = "general_outpatient", _("general outpatient")
    CHRONIC_OUTPATIENT = "chronic_outpatient", _("chronic / special-disease outpatient")
    INPATIENT = "inpatient", _("inpatient")


class RegionalPolicy(models.Model):
    """A region's policy for one year: the class-B first-pay share (C1) and the
    non-local rate reductions (F4). Its rules (PolicyRule) give deductible, rate and
    annual cap by insurance type, care type and facility tier (C3)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    class_b_share = models.DecimalField(
        _("class-B first-pay share (%) (C1)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
    )
    referral_reduction = models.DecimalField(
        _("temporary non-local, referral or emergency: rate lowered by (points) (F4)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
    )
    other_temporary_reduction = models.DecimalField(
        _("temporary non-local, other: rate lowered by (points) (F4)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=PERCENT,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["region", "-year"]
        verbose_name = _("regional policy")
        verbose_name_plural = _("regional policies")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="regional_policy_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class PolicyRule(models.Model):
    """Deductible, rate and annual cap for one insurance type, care type and
    facility tier (C3). Tier 0: pharmacies (they have no tier)."""

    class DeductibleScope(models.TextChoices):
        YEAR = "year", _("once a year")
        BILL = "bill", _("every bill (admission)")

    policy = models.ForeignKey(
        RegionalPolicy, on_delete=models.CASCADE, related_name="rules", verbose_name=_("policy")
    )
    insurance_type = models.CharField(
        _("insurance type"), max_length=10, choices=InsuranceType.choices
    )
    care_type = models.CharField(_("care type"), max_length=20, choices=CareType.choices)
    tier = models.PositiveSmallIntegerField(
        _("facility tier"),
        choices=[(0, _("pharmacy")), (1, _("tier 1")), (2, _("tier 2")), (3, _("tier 3"))],
    )
    deductible = models.DecimalField(
        _("deductible"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    deductible_scope = models.CharField(
        _("deductible applies"),
        max_length=4,
        choices=DeductibleScope.choices,
        default=DeductibleScope.YEAR,
    )
    rate = models.DecimalField(
        _("fund pays (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    annual_cap = models.DecimalField(
        _("annual cap"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Most the fund pays a person a year for this care type. Empty: no cap."),
    )

    class Meta:
        ordering = ["policy", "insurance_type", "care_type", "tier"]
        verbose_name = _("policy rule")
        verbose_name_plural = _("policy rules")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "insurance_type", "care_type", "tier"],
                name="policy_rule_once",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=100), name="policy_rule_rate_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_care_type_display()} · {self.get_tier_display()} · {self.rate}%"


# A rule's terms in the model's field order (C3): the one list the admin edits
# inline under its policy and the settlement reads (claims.settlement.load).
POLICY_RULE_TERMS = (
    "insurance_type",
    "care_type",
    "tier",
    "deductible",
    "deductible_scope",
    "rate",
    "annual_cap",
)
