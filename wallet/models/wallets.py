"""Wallets (W1–W3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson, Region
from core import clock
from core.fields import user_field
from core.flow import Flow


class Wallet(models.Model):
    """An open wallet (W1). Its money is the ``LedgerAccount`` of kind "wallet" for
    the same person; the two rows are created together.

    Bulk insert (W2, bulk proxy activation): one ``Wallet`` row and one
    ``LedgerAccount(kind="wallet", person_id=..., shard=0, balance=0)`` row per
    person. Both tables have a unique key on the person (``wallet.person`` is one to
    one; ``ledger_account_one_per_person_kind``), so ``bulk_create(...,
    ignore_conflicts=True)`` / ``INSERT ... ON CONFLICT DO NOTHING`` on both is safe
    to re-run. Set ``by_proxy``, ``opened_by`` and ``batch_ref`` to record who
    opened it. ``wallet.services.wallet_open_bulk`` does exactly that."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    flow = Flow({Status.CLOSED: (Status.OPEN,)})  # W1: a closed wallet opens again

    person = models.OneToOneField(
        InsuredPerson, on_delete=models.PROTECT, related_name="wallet", verbose_name=_("holder")
    )
    usage_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("usage location"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), default=clock.now)
    opened_by = user_field(_("opened by"), db_index=False)
    by_proxy = models.BooleanField(_("opened by proxy (W2)"), default=False)
    batch_ref = models.CharField(_("bulk batch"), max_length=64, blank=True)
    usage_changed_at = models.DateTimeField(_("usage location changed"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")

    def __str__(self) -> str:
        return f"{self.person.name}: {self.usage_region}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
