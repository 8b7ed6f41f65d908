"""The medical-insurance directory (医保目录, C1), versioned: the directory changes
every year and a bill uses the version in force on its date."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import ClockDateTimeField
from core.pinyin import initials


class DirectoryVersion(models.Model):
    """One edition of the directory, in force from `effective_from` until the next
    edition starts."""

    name = models.CharField(_("name"), max_length=80)  # 2026 年版
    effective_from = models.DateField(_("in force from"), unique=True)
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("directory version")
        verbose_name_plural = _("directory versions")

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from})"


class ItemKind(models.TextChoices):
    DRUG = "drug", _("drug")
    SERVICE = "service", _("medical service")
    CONSUMABLE = "consumable", _("medical consumable")


class ItemClass(models.TextChoices):
    # The names on every hospital receipt (甲类/乙类/丙类); what each one means
    # is said once, in a sentence, where a family meets it (claims/_words.html).
    A = "A", _("Class A")
    B = "B", _("Class B")
    OUT = "OUT", _("Class C")


class DirectoryItem(models.Model):
    """One drug, service or consumable in one directory version (C1)."""

    version = models.ForeignKey(
        DirectoryVersion,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("directory version"),
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    # D1: families search by pinyin initials (阿莫西林 -> AMXL); kept with the name.
    initials = models.CharField(_("pinyin initials"), max_length=60, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    item_class = models.CharField(_("class"), max_length=3, choices=ItemClass.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    price_limit = models.DecimalField(
        _("price limit"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("C2: the part of the unit price above it is not eligible. Empty: no limit."),
    )
    typical_price = models.DecimalField(
        _("typical unit price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Used by the cost estimate when the user gives no price."),
    )

    class Meta:
        ordering = ["version", "code"]
        verbose_name = _("directory item")
        verbose_name_plural = _("directory items")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="directory_item_code_once"),
            models.CheckConstraint(
                condition=Q(price_limit__isnull=True) | Q(price_limit__gte=0),
                name="directory_item_price_limit_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["version", "initials"], name="directory_item_initials"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.initials = initials(self.name)[:60]
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "initials"}
        super().save(*args, **kwargs)
