"""Provinces and regions (pooling areas) with the flags other rules read (W1, W3,
P2, F2)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A mainland province-level division, with the flags other rules read."""

    code = models.CharField(_("code"), max_length=2, unique=True)  # GB/T 2260, e.g. "44"
    name = models.CharField(_("name"), max_length=50)  # 广东省
    name_en = models.CharField(_("English name"), max_length=50)  # Guangdong
    wallet_live = models.BooleanField(
        _("wallet live"), default=True, help_text=_("W1: wallets may be opened here.")
    )
    usage_location_change = models.BooleanField(
        _("change of usage location supported"),
        default=False,
        help_text=_("W3: wallet holders may change their usage location here."),
    )
    cross_province_pooling = models.BooleanField(
        _("cross-province pooling override"),
        null=True,
        blank=True,
        help_text=_("P2: empty follows the national setting; yes/no overrides it here."),
    )
    designated_facility_required = models.BooleanField(
        _("designated outpatient facility required"),
        default=False,
        help_text=_("F2: residents must choose one facility for general outpatient care."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name_en if _english() else self.name


def _english() -> bool:
    """Place names follow the page's language: name_en on English pages."""
    return (get_language() or "").startswith("en")


class RegionManager(models.Manager):
    """Regions come with their province: a region's name (__str__) includes its
    province's, and a list of regions (an admin's or a form's choices) would
    otherwise read the province once per region."""

    def get_queryset(self):
        return super().get_queryset().select_related("province")


class Region(models.Model):
    """A city / pooling area (统筹区) inside a province."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regions", verbose_name=_("province")
    )
    code = models.CharField(_("code"), max_length=6, unique=True)  # GB/T 2260, e.g. "440100"
    name = models.CharField(_("name"), max_length=50)  # 广州市
    name_en = models.CharField(_("English name"), max_length=50)  # Guangzhou

    objects = RegionManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        if _english():
            if self.name_en == self.province.name_en:
                return self.name_en
            return f"{self.name_en}, {self.province.name_en}"
        if self.name == self.province.name:
            return self.name
        return f"{self.province.name} {self.name}"
