"""Out-of-pocket reimbursement claims (零星报销, M1–M5): a family paid a bill in
full where it could not be settled directly and files for the fund's part. A
reviewer enters the lines of the expense list, the settlement rules compute the
payment (M3, M4), a second member of staff approves a large one (S2) and
finance marks it paid to the family's bank account (M5)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Facility, InsuredPerson
from claims.models.bills import Visit
from claims.models.policy import CareType
from claims.storage import private_storage
from core.fields import ClockDateTimeField, user_field
from core.flow import Flow
from core.money import money_field


def mask_account(number: str) -> str:
    """M5: a bank account as people may see it: its last four digits only."""
    digits = "".join(ch for ch in number if ch.isalnum())
    return f"**** {digits[-4:]}" if digits else ""


class ReimbursementClaim(models.Model):
    """One claim for one visit (M1), as filed and as decided."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        APPROVED = "approved", _("approved, waiting for payment")
        REFUSED = "refused", _("refused")
        # Not the "paid" of a premium (已缴): a claim is paid out (已支付).
        PAID = "paid", pgettext_lazy("out-of-pocket claim", "paid")

    class Why(models.TextChoices):
        NOT_REGISTERED = "not_registered", _("no non-local registration at the time")
        NOT_CONNECTED = "not_connected", _("the facility could not settle directly")
        EMERGENCY = "emergency", _("emergency")
        OTHER = "other", _("other")

    # M2: submitted -> under review -> approved / refused -> paid.
    flow = Flow(
        {
            Status.SUBMITTED: (Status.UNDER_REVIEW, Status.REFUSED),
            Status.UNDER_REVIEW: (Status.APPROVED, Status.REFUSED),
            Status.APPROVED: (Status.PAID,),
        }
    )

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="reimbursement_claims",
        verbose_name=_("patient"),
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    visit = models.CharField(_("visit"), max_length=12, choices=Visit.choices)
    why = models.CharField(_("why it was not settled directly"), max_length=16, choices=Why.choices)
    care_from = models.DateField(_("date of care (from)"))
    care_until = models.DateField(_("date of care (until)"))
    amount_paid = money_field(
        _("amount paid at the facility"), validators=[MinValueValidator(0.01)]
    )
    bank_name = models.CharField(_("bank"), max_length=60)
    bank_account = models.CharField(_("bank account"), max_length=34)
    account_holder = models.CharField(_("account holder"), max_length=50)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = ClockDateTimeField(_("submitted"), auto_now_add=True)
    submitted_by = user_field(_("submitted by"))
    # M3: the computation, as the settlement would store it for a bill.
    care_type = models.CharField(
        _("care type"), max_length=20, choices=CareType.choices, blank=True
    )
    total = money_field(_("total of the lines"), optional=True)
    self_pay = money_field(_("self-pay (自费)"), optional=True)
    personal_in_directory = money_field(_("personal share (自付)"), optional=True)
    deductible = money_field(_("deductible"), optional=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    payable = money_field(_("fund pays"), optional=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    reviewed_by = user_field(_("reviewed by"))
    # S2: who prepared the approval, and who gave it.
    prepared_by = user_field(_("approval prepared by"))
    approved_by = user_field(_("approved by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_by = user_field(_("paid by"))
    payment_reference = models.CharField(_("payment reference"), max_length=40, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("out-of-pocket claim")
        verbose_name_plural = _("out-of-pocket claims")
        permissions = [
            ("review_reimbursementclaim", _("Can review and approve out-of-pocket claims (M3)")),
            ("pay_reimbursementclaim", _("Can mark out-of-pocket claims paid (M5)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(care_until__gte=models.F("care_from")),
                name="claim_care_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="claim_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | ~Q(payment_reference=""),
                name="claim_paid_has_reference",
            ),
            models.UniqueConstraint(
                fields=["payment_reference"],
                condition=~Q(payment_reference=""),
                name="claim_payment_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.person.name}"

    def get_absolute_url(self) -> str:
        return reverse("claims:reimbursement_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"M{self.pk:06d}" if self.pk else "M-"

    @property
    def emergency(self) -> bool:
        """F4: an emergency counts as registered."""
        return self.why == self.Why.EMERGENCY

    @property
    def masked_account(self) -> str:
        return mask_account(self.bank_account)


class ReimbursementLine(models.Model):
    """One line of the expense list, entered or checked by a reviewer (M3)."""

    claim = models.ForeignKey(
        ReimbursementClaim, on_delete=models.CASCADE, related_name="lines", verbose_name=_("claim")
    )
    code = models.CharField(_("directory code"), max_length=30)
    name = models.CharField(_("name on the list"), max_length=120, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    unit_price = money_field(_("unit price"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["claim", "pk"]
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gte=0), name="claim_line_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"


class ReimbursementDocument(models.Model):
    """An invoice or expense list as uploaded (M1): checked by content, stored
    privately under a random name, shown to staff and to the family only."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        EXPENSE_LIST = "expense_list", _("list of expenses")

    claim = models.ForeignKey(
        ReimbursementClaim,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("claim"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="claims/%Y/%m/", storage=private_storage)
    uploaded_at = ClockDateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "kind", "pk"]
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"
