"""Payments for a person and how they were paid (W11, P3, P4, C6)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson
from core import clock
from core.fields import user_field
from core.money import money_field, yuan


class Payment(models.Model):
    """A payment for a person (a bill share, drugs, a premium) and how it was paid:
    wallet, own personal account, a pooling relative's personal account (P), cash.
    The parts always add up to ``amount``. ``reference`` makes it idempotent: the
    same reference is the same payment."""

    class Purpose(models.TextChoices):
        BILL = "bill", _("medical bill")
        DRUGS = "drugs", _("drugs at a pharmacy")
        VACCINATION = "vaccination", _("vaccination")
        PREMIUM = "premium", _("resident-insurance premium")
        LTC_PREMIUM = "ltc_premium", _("long-term-care premium")

    PREMIUM_PURPOSES = (Purpose.PREMIUM, Purpose.LTC_PREMIUM)

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="payments", verbose_name=_("for")
    )
    amount = money_field(_("amount"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facility"),
        db_index=False,
    )
    wallet_amount = money_field(_("from the wallet"), default=0)
    own_account_amount = money_field(_("from the own personal account"), default=0)
    pooling_amount = money_field(_("from family pooling"), default=0)
    pooling_from = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pooling from"),
        db_index=False,
    )
    cash_amount = money_field(_("in cash"), default=0)
    created_at = models.DateTimeField(_("paid"), default=clock.now)
    created_by = user_field(_("paid by"), db_index=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    amount__gt=0,
                    wallet_amount__gte=0,
                    own_account_amount__gte=0,
                    pooling_amount__gte=0,
                    cash_amount__gte=0,
                ),
                name="payment_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=F("wallet_amount")
                    + F("own_account_amount")
                    + F("pooling_amount")
                    + F("cash_amount")
                ),
                name="payment_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(pooling_amount=0) | Q(pooling_from__isnull=False),
                name="payment_pooling_has_a_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}: {yuan(self.amount)} ({self.get_purpose_display()})"
