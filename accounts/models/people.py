"""Insured persons (A1) and close relatives (A2), stored once, read both ways."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least, Right
from django.utils.translation import gettext_lazy as _

from accounts import national_id
from accounts.models.regions import Region
from core.fields import ChoiceLabels, ClockDateTimeField


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", _("Employee basic medical insurance")
    RESIDENT = "resident", _("Urban and rural resident basic medical insurance")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


def new_qr_token() -> str:
    return secrets.token_urlsafe(24)


class InsuredPerson(ChoiceLabels, models.Model):
    """An insured person (A1). The national ID is shown masked everywhere except to
    administrators opening the record; pages and URLs use the primary key."""

    name = models.CharField(_("name"), max_length=50)
    national_id = models.CharField(
        _("national ID number"), max_length=18, unique=True, validators=[national_id.validate]
    )
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    insurance_type = models.CharField(
        _("insurance type"), max_length=10, choices=InsuranceType.choices
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="insured", verbose_name=_("insured region")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insured_person",
        verbose_name=_("portal user"),
    )
    qr_token = models.CharField(_("QR token"), max_length=40, unique=True, default=new_qr_token)
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)
    updated_at = ClockDateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["phone"]),
            # The admin's search by ID suffix or masked ID (A1: never the full
            # number), one index probe instead of reading every person.
            models.Index(Right("national_id", 4), name="person_id_suffix_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id})"

    def save(self, *args, **kwargs) -> None:
        # Birth date and sex always follow the ID number (GB 11643).
        self.national_id, self.birth_date, self.sex = national_id.parse(self.national_id)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "national_id" in update_fields:
            kwargs["update_fields"] = {*update_fields, "birth_date", "sex"}
        super().save(*args, **kwargs)

    @property
    def masked_id(self) -> str:
        return national_id.mask(self.national_id)

    @property
    def is_active(self) -> bool:
        return self.status == PersonStatus.ACTIVE

    def age_on(self, day) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class RelationshipKind(models.TextChoices):
    """How person_a relates to person_b, stored once (A2)."""

    SPOUSE = "spouse", _("spouse")
    PARENT = "parent", _("parent")  # a is b's parent; read back: b is a's child
    GRANDPARENT = "grandparent", _("grandparent")  # a is b's grandparent
    SIBLING = "sibling", _("sibling")


class Relationship(models.Model):
    """A close-relative relationship (A2) between two insured persons, stored once
    and read both ways (see selectors.relation_of)."""

    person_a = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="relationships_as_a",
        verbose_name=_("person A"),
    )
    person_b = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="relationships_as_b",
        verbose_name=_("person B"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RelationshipKind.choices)
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.CheckConstraint(
                condition=~Q(person_a=F("person_b")), name="relationship_not_self"
            ),
            # One relationship per pair, whichever way round it was entered.
            models.UniqueConstraint(
                Least("person_a", "person_b"),
                Greatest("person_a", "person_b"),
                name="relationship_once_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a.name} → {self.person_b.name}: {self.get_kind_display()}"
