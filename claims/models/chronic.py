"""Chronic and special diseases (门诊慢特病, C5): the disease list and a person's
recognition, applied for at a hospital and decided by an administrator."""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson
from core.fields import ClockDateTimeField, user_field
from core.flow import Flow


class Disease(models.Model):
    """A chronic or special disease recognised for outpatient treatment (C5)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120)
    cross_province = models.BooleanField(
        _("cross-province settlement"),
        default=False,
        help_text=_("C5: in the national list settled directly across provinces."),
    )
    cross_province_since = models.PositiveSmallIntegerField(
        _("cross-province since (year)"), null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("chronic or special disease")
        verbose_name_plural = _("chronic and special diseases")

    def __str__(self) -> str:
        # The disease's name in the page's language.
        return (
            self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name
        )


class ChronicRecognition(models.Model):
    """A person's recognition of a chronic/special disease (C5). While approved and
    in its validity, that person's outpatient bills for the disease are settled
    under the chronic/special outpatient policy row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    flow = Flow({Status.PENDING: (Status.APPROVED, Status.REFUSED)})  # C5: decided once

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="chronic_recognitions",
        verbose_name=_("person"),
    )
    disease = models.ForeignKey(
        Disease, on_delete=models.PROTECT, related_name="+", verbose_name=_("disease")
    )
    hospital = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "hospital"},
        verbose_name=_("hospital"),
    )
    diagnosis = models.CharField(_("diagnosis"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    applied_at = ClockDateTimeField(_("applied"), auto_now_add=True)
    applied_by = user_field(_("applied by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = user_field(_("decided by"))
    decision_note = models.CharField(_("reason / note"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-applied_at", "-pk"]
        verbose_name = _("chronic disease recognition")
        verbose_name_plural = _("chronic disease recognitions")
        constraints = [
            # At most one application waiting per person and disease.
            models.UniqueConstraint(
                fields=["person", "disease"],
                condition=Q(status="pending"),
                name="chronic_one_pending_per_disease",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(valid_from__isnull=False, valid_until__isnull=False),
                name="chronic_approved_has_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}: {self.disease}"
