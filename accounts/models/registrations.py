"""Non-local treatment registrations (异地就医备案, F3)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models.people import InsuredPerson
from accounts.models.regions import Region
from core.fields import ClockDateTimeField
from core.flow import Flow


class NonLocalRegistration(models.Model):
    """A non-local treatment registration (异地就医备案, F3)."""

    class Kind(models.TextChoices):
        RETIRED_RESETTLED = "retired_resettled", _("retired and resettled elsewhere")
        LONG_TERM_RESIDENT = "long_term_resident", _("long-term resident elsewhere")
        POSTED_WORKER = "posted_worker", _("posted to work elsewhere")
        REFERRAL = "referral", _("referral")
        EMERGENCY = "emergency", _("emergency")
        OTHER_TEMPORARY = "other_temporary", _("other temporary treatment")

    LONG_TERM_KINDS = (Kind.RETIRED_RESETTLED, Kind.LONG_TERM_RESIDENT, Kind.POSTED_WORKER)

    class Proof(models.TextChoices):
        RESIDENCE = "residence", _("proof of residence (residence permit)")
        COMMITMENT = "commitment", _("personal commitment letter (承诺书)")
        NONE = "none", _("none needed")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")

    flow = Flow({Status.ACTIVE: (Status.CANCELLED,)})  # F3: valid until cancelled

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("person"),
    )
    destination = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until changed.")
    )
    proof = models.CharField(_("proof"), max_length=12, choices=Proof.choices)
    proof_document = models.FileField(
        _("proof document"), upload_to="registrations/%Y/%m/", blank=True
    )
    commitment_signed_name = models.CharField(_("commitment signed by"), max_length=50, blank=True)
    commitment_signed_at = models.DateTimeField(_("commitment signed"), null=True, blank=True)
    commitment_text = models.TextField(_("commitment text signed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = ClockDateTimeField(_("filed"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["person", "-start_date"]
        verbose_name = _("non-local registration")
        verbose_name_plural = _("non-local registrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="registration_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name}: {self.get_kind_display()} → {self.destination}"

    @property
    def is_long_term(self) -> bool:
        return self.kind in self.LONG_TERM_KINDS
