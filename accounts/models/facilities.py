"""Designated facilities (F1) and designated-facility choices (F2).

The facility model lives here, not in claims: the designated-facility choice (F2)
belongs to people, and apps depend one way (claims -> wallet -> accounts).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models.people import InsuredPerson
from accounts.models.regions import Region
from core.fields import ClockDateTimeField


class Facility(models.Model):
    """A designated hospital or pharmacy (F1), with the flags other rules read."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("hospital")
        PHARMACY = "pharmacy", _("pharmacy")

    class Tier(models.IntegerChoices):
        TIER_1 = 1, _("tier 1 (community / township)")
        TIER_2 = 2, _("tier 2")
        TIER_3 = 3, _("tier 3 (tertiary)")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    outpatient_pooling = models.BooleanField(_("outpatient pooling"), default=True)
    designated_outpatient = models.BooleanField(
        _("designated outpatient facility (F2)"), default=False
    )
    cross_province_direct = models.BooleanField(
        _("cross-province direct settlement"), default=False
    )
    chronic_settlement = models.BooleanField(_("chronic-disease settlement"), default=False)
    wallet_payment = models.BooleanField(_("accepts wallet payment"), default=False)

    class Meta:
        ordering = ["region", "kind", "tier", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pharmacy", tier__isnull=True)
                | Q(kind="hospital", tier__isnull=False),
                name="facility_hospitals_have_a_tier",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DesignatedFacilityChoice(models.Model):
    """A person's designated outpatient facility (F2). Every choice is kept; the one
    in force on a day is the latest whose effective_from is on or before it."""

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="facility_choices",
        verbose_name=_("person"),
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    effective_from = models.DateField(_("effective from"))
    chosen_at = ClockDateTimeField(_("chosen"), auto_now_add=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )

    class Meta:
        ordering = ["person", "-effective_from", "-pk"]
        verbose_name = _("designated facility choice")
        verbose_name_plural = _("designated facility choices")

    def __str__(self) -> str:
        return f"{self.person.name}: {self.facility} ({self.effective_from})"
