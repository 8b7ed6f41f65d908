"""Bills and their settlement (C2, C3, C6, F2, F4) and the running per-person
per-year totals (C3) that make the tenth bill of the year right."""

import secrets
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson
from claims.models.chronic import Disease
from claims.models.directory import DirectoryItem, ItemClass
from claims.models.policy import CareType, PolicyRule
from core.fields import ClockDateTimeField, user_field
from core.flow import Flow
from core.money import money_field as money_column

HALF_FEN = Decimal("0.005")


def new_bill_reference() -> str:
    return "B" + secrets.token_hex(6).upper()


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """A settled figure: a money column (core.money), NULL until the bill is settled."""
    return money_column(verbose_name, optional=True, **kwargs)


class Visit(models.TextChoices):
    """What the bill was for, as entered; the settlement picks the policy row."""

    OUTPATIENT = "outpatient", _("outpatient")
    INPATIENT = "inpatient", _("inpatient")


# The settled figures of a bill (C6), in the order a settlement shows them: the
# one list the model's constraints, the settlement service (what it stores) and
# the admin (what it shows read-only) all read. None may go negative.
SETTLED_AMOUNTS = (
    "total",
    "out_of_directory",
    "over_limit",
    "self_pay",
    "class_b_first_pay",
    "eligible",
    "deductible",
    "fund_paid",
    "copay",
    "over_cap",
    "not_reimbursed",
    "personal_in_directory",
    "personal_total",
)
# ...and the rate the fund paid at.
SETTLED_FIGURES = (*SETTLED_AMOUNTS, "rate")


class Bill(models.Model):
    """A medical bill for one person at one facility, settled once (C6)."""

    class Status(models.TextChoices):
        ENTERED = "entered", _("entered, not settled")
        SETTLED = "settled", _("settled")

    # C6: settled once. bill_settle (claims/services/bills.py) makes this change
    # by hand, in the settlement's own statements, with its lock and audit row.
    flow = Flow({Status.ENTERED: (Status.SETTLED,)})

    reference = models.CharField(
        _("reference"), max_length=40, unique=True, default=new_bill_reference
    )
    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="bills", verbose_name=_("patient")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    service_date = models.DateField(
        _("date of care"), help_text=_("Inpatient: the discharge date.")
    )
    visit = models.CharField(_("care"), max_length=10, choices=Visit.choices)
    disease = models.ForeignKey(
        Disease,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chronic / special disease treated"),
    )
    diagnosis = models.CharField(_("diagnosis"), max_length=200, blank=True)
    emergency = models.BooleanField(
        _("emergency"), default=False, help_text=_("F4: emergencies count as registered.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ENTERED
    )
    entered_by = user_field(_("entered by"))
    created_at = ClockDateTimeField(_("entered"), auto_now_add=True)

    # The settlement (filled once by services.bill_settle; see settlement/calc.py).
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    care_type = models.CharField(
        _("settled as"), max_length=20, choices=CareType.choices, blank=True
    )
    policy_rule = models.ForeignKey(
        PolicyRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy rule"),
    )
    rate = models.DecimalField(
        _("rate applied (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    total = money_field(_("total"))
    out_of_directory = money_field(_("out of directory"))
    over_limit = money_field(_("above price limits"))
    self_pay = money_field(_("self-pay (自费)"))
    class_b_first_pay = money_field(_("class-B first-pay"))
    eligible = money_field(_("eligible amount"))
    deductible = money_field(_("deductible"))
    fund_paid = money_field(_("fund payment"))
    copay = money_field(_("co-pay share"))
    over_cap = money_field(_("above the annual cap"))
    not_reimbursed = money_field(_("not reimbursed"))
    personal_in_directory = money_field(_("personal share within the directory (自付)"))
    personal_total = money_field(_("you pay"))
    reasons = models.JSONField(_("reason codes"), default=list, blank=True)
    inputs = models.JSONField(_("settlement inputs"), default=dict, blank=True)
    # C6: how the personal part was paid (wallet, own account, pooling, cash).
    payment = models.OneToOneField(
        "wallet.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill",
        verbose_name=_("payment of the personal part"),
    )

    class Meta:
        ordering = ["-service_date", "-pk"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        # S1: finance refunds a settled bill (R1) without the right to edit bills.
        permissions = [("refund", _("Can refund a settled bill"))]
        indexes = [
            models.Index(fields=["person", "service_date"]),
            models.Index(fields=["person", "settled_on"]),
        ]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                    name=f"bill_{name}_not_negative",
                )
                for name in SETTLED_AMOUNTS
            ),
            # C6: every yuan of a settled bill is either the fund's or the patient's.
            # (Within half a fen, as first written; PostgreSQL's numeric is exact.)
            models.CheckConstraint(
                condition=~Q(status="settled")
                | Q(
                    LessThan(Abs(F("total") - F("fund_paid") - F("personal_total")), HALF_FEN),
                    LessThan(
                        Abs(F("personal_total") - F("personal_in_directory") - F("self_pay")),
                        HALF_FEN,
                    ),
                ),
                name="bill_settled_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.person.name} {self.service_date}"

    def get_absolute_url(self) -> str:
        return reverse("claims:bill_detail", args=[self.pk])

    @property
    def is_settled(self) -> bool:
        return self.status == self.Status.SETTLED


class BillLine(models.Model):
    """One line of a bill: a directory item code, quantity and unit price (C1, C2).
    The code is looked up in the directory version in force on the bill's date."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("line"), default=0)
    code = models.CharField(_("directory code"), max_length=30)
    name = models.CharField(_("description"), max_length=120, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=3, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    # Filled by the settlement:
    item = models.ForeignKey(
        DirectoryItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("directory item"),
    )
    item_class = models.CharField(_("class"), max_length=3, choices=ItemClass.choices, blank=True)
    price_limit = money_field(_("price limit"))
    amount = money_field(_("amount"))
    self_pay = money_field(_("self-pay (自费)"))
    class_b_first_pay = money_field(_("class-B first-pay"))
    eligible = money_field(_("eligible amount"))
    reasons = models.JSONField(_("reason codes"), default=list, blank=True)
    # R1: of `quantity`, how much a refund took back (the figures above are
    # what remains after it).
    refunded_quantity = models.DecimalField(
        _("quantity refunded"), max_digits=16, decimal_places=6, default=0
    )

    class Meta:
        ordering = ["bill", "position", "pk"]
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0, unit_price__gte=0), name="bill_line_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"


class PersonYearTotals(models.Model):
    """Running totals for one person, year and care type (C3): how much of the
    deductible and of the annual cap (fund payments) are used. Locked with
    select_for_update while a bill is settled, so concurrent bills queue."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    care_type = models.CharField(_("care type"), max_length=20, choices=CareType.choices)
    deductible_used = models.DecimalField(
        _("deductible used"), max_digits=14, decimal_places=2, default=0
    )
    fund_paid = models.DecimalField(
        _("fund payments (cap used)"), max_digits=14, decimal_places=2, default=0
    )
    bills = models.PositiveIntegerField(_("bills"), default=0)

    class Meta:
        ordering = ["person", "-year", "care_type"]
        verbose_name = _("yearly running total")
        verbose_name_plural = _("yearly running totals")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "care_type"], name="person_year_totals_once"
            ),
            models.CheckConstraint(
                condition=Q(deductible_used__gte=0, fund_paid__gte=0),
                name="person_year_totals_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.person_id} {self.year} {self.get_care_type_display()}"
